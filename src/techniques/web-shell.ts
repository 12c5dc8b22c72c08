import { droppedFile } from './support/dropped-file.js';

/** T1505.003: a web shell dropped in a web root — inert: a PHP file that does nothing but carry the tag. */
export const webShell = droppedFile({
  name: 'web-shell',
  summary: 'T1505.003 Server Software Component: Web Shell — an inert tagged .php file dropped in the web root you name.',
  attack: {
    id: 'T1505.003',
    name: 'Server Software Component: Web Shell',
    touches: 'one new .php file in the web root',
    prerequisites: 'the web root exists and is in the host allow-list',
    telemetry: [
      'a new script file in the web root (file integrity monitoring)',
      'requests to /fd-….php in the web server access log, if anyone fetches it',
    ],
  },
  directory: { describe: 'the web root (it must exist)' },
  prefix: 'fd-shell-',
  suffix: '.php',
  content: (tag) => `<?php /* Firedrill security drill ${tag} (T1505.003): an inert marker, it runs nothing. */ ?>\n`,
  mode: 0o644,
});
