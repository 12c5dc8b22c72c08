import { droppedFile } from './support/dropped-file.js';

/**
 * T1552.001: credentials left in a file — a canary credentials file planted where an intruder
 * looks (a home directory, a deploy directory). The keys are not keys: reading the file is the
 * signal a defender's file audit should raise.
 */
export const canaryCredentials = droppedFile({
  name: 'canary-credentials',
  summary: 'T1552.001 Unsecured Credentials: Credentials In Files — a tagged canary credentials file; reading it is the signal.',
  attack: {
    id: 'T1552.001',
    name: 'Unsecured Credentials: Credentials In Files',
    touches: 'one new file, mode 0600, in the directory you name',
    prerequisites: 'the directory exists and is in the host allow-list',
    telemetry: [
      'a read of the canary file (auditd -w FILE -p r, or an EDR file-access rule)',
      'the canary key id anywhere else: it leaked',
    ],
  },
  directory: { describe: 'where the canary is planted (a home or deploy directory)' },
  prefix: '.fd-credentials-',
  content: (tag) =>
    `# Firedrill security drill ${tag} (T1552.001): a canary, not a credential.\n[default]\naws_access_key_id = FDCANARY${tag
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(-12)
      .toUpperCase()}\naws_secret_access_key = firedrill-canary-${tag}\n`,
  mode: 0o600,
});
