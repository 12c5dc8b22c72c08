import type { Command } from 'commander';
import type { ServerOptions } from './drills.js';

const SERVER = '--server <url>';
const SERVER_HELP = 'the control plane, e.g. http://127.0.0.1:7400 (token: FIREDRILL_TOKEN or --token-file)';

/** `firedrill drills …` and `firedrill monkey`: drills as routine, kept by the control plane. */
export function addDrillCommands(program: Command, set: (code: number) => void): void {
  const drills = program
    .command('drills')
    .description('the drills the control plane launches on their schedules, and the calendar of their launches (what you may know of)')
    .option(SERVER, SERVER_HELP)
    .option('--token-file <file>', 'read the API token from this file')
    .option('--days <n>', 'how far back and ahead the calendar goes', '7')
    .option('--json', 'print drills and launches as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ firedrill drills validate drills.yaml
  $ firedrill drills apply drills.yaml --server http://127.0.0.1:7400
  $ firedrill drills --server http://127.0.0.1:7400 --days 30

A drills file: docs/drills.md. Exit codes: 0 ok · 2 invalid file (problems at FILE:LINE:COL) or refused · 3 server unreachable`,
    )
    .action(async (options: ServerOptions & { days?: string }) => set(await (await import('./drills.js')).drillsList(options)));

  drills
    .command('validate')
    .description('check a drills file here: its shape, schedules and blackouts, every problem at its line')
    .argument('<file>', 'the drills file (YAML)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: { json?: boolean }) => set(await (await import('./drills.js')).drillsValidate(file, options)));

  drills
    .command('apply')
    .description('store the drills of a file on the control plane (created or replaced by name), with its blackouts')
    .argument('<file>', 'the drills file (YAML)')
    .requiredOption(SERVER, SERVER_HELP)
    .option('--token-file <file>', 'read the API token from this file')
    .option('--dry-run', 'validate on the server (the experiments it names too) and store nothing')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: ServerOptions & { dryRun?: boolean }) =>
      set(await (await import('./drills.js')).drillsApply(file, options)),
    );

  program
    .command('monkey')
    .description('for the white cell: what each monkey drill could draw now (opted-in targets only) and when it could strike next')
    .requiredOption(SERVER, SERVER_HELP)
    .option('--token-file <file>', 'read the API token from this file')
    .option('--json', 'print it as JSON')
    .action(async (options: ServerOptions) => set(await (await import('./drills.js')).monkeyCommand(options)));
}
