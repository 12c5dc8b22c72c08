import type { Command } from 'commander';
import type { CoverageOptions } from './coverage.js';

/** `firedrill coverage`: the ATT&CK coverage the control plane derives from its drills. */
export function addCoverageCommand(program: Command, set: (code: number) => void): void {
  program
    .command('coverage')
    .description('ATT&CK coverage: per technique, what the defenders did the last time a drill detonated it')
    .requiredOption('--server <url>', 'the control plane, e.g. http://127.0.0.1:7400 (token: FIREDRILL_TOKEN or --token-file)')
    .option('--token-file <file>', 'read the API token from this file')
    .option('--json', 'print the coverage as JSON')
    .option('--navigator <file>', 'also write it as an ATT&CK Navigator layer (JSON, layer format 4.5) to this file')
    .addHelpText(
      'after',
      `
Each technique Firedrill can detonate (firedrill types) gets one status:
  detected        the latest drill that watched for it saw it within its deadline
  detected late   seen, but after the deadline (or off the game day's detect target)
  missed          not seen at all
  not measured    detonated, but no expectation watched for it
  never tested    no drill you may know of detonated it
The status is the latest measured drill's (a gap fixed and drilled again turns green); the
counts keep every drill. Median TTD: the median time to detect of the detected and late ones.
A run's outcome comes from its expectations; a game day's, per team, from its time to detect.
You see the drills you may know of: a secret drill counts for you once it is revealed.

Examples:
  $ firedrill coverage --server http://127.0.0.1:7400
  $ firedrill coverage --server http://127.0.0.1:7400 --navigator layer.json
    (open layer.json in the ATT&CK Navigator: Open Existing Layer → Upload from local)
  $ FIREDRILL_TOKEN=… firedrill coverage --server https://firedrill.example --json | jq '.coverage.techniques[] | select(.status == "missed")'

Exit codes: 0 ok · 2 no token, a refused request or a file that cannot be written · 3 server unreachable
More: docs/security.md (Coverage)`,
    )
    .action(async (options: CoverageOptions) => set(await (await import('./coverage.js')).coverageCommand(options)));
}
