import { droppedFile } from './support/dropped-file.js';

/**
 * T1053.003: persistence through cron — a tagged file in /etc/cron.d whose job runs `true` as
 * root every minute, harmless. cron reads the directory again within a minute: the job runs.
 */
export const cronPersistence = droppedFile({
  name: 'cron-persistence',
  summary: 'T1053.003 Scheduled Task/Job: Cron — a tagged /etc/cron.d file running a harmless command every minute.',
  attack: {
    id: 'T1053.003',
    name: 'Scheduled Task/Job: Cron',
    touches: 'one new file in the cron.d directory (nothing else of cron is changed)',
    prerequisites: 'the directory exists (cron installed); root, for /etc/cron.d',
    telemetry: [
      'a new file in /etc/cron.d (file integrity monitoring, auditd -w /etc/cron.d -p wa)',
      'cron logs the job every minute: CRON[pid]: (root) CMD (true # fd-…)',
    ],
  },
  directory: { describe: 'the cron.d directory (a test gives a temporary one)', default: '/etc/cron.d' },
  // cron.d ignores names with dots; the tag has none.
  prefix: 'firedrill-',
  content: (tag) =>
    `# Firedrill security drill ${tag} (T1053.003): a harmless job, removed when the drill ends.\n* * * * * root true # ${tag}\n`,
  mode: 0o644, // cron ignores files others may write
});
