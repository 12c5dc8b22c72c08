import { Command, Option } from 'commander';
import { firedrillVersion } from '../util/version.js';
import { reportError } from './errors.js';
import { addDrillCommands } from './drills-commands.js';
import { addCoverageCommand } from './coverage-commands.js';
import type { AgentCommandOptions } from './agent.js';
import type { DemoCommandOptions } from './demo.js';
import type { DemoServiceOptions } from '../demo/shop/service-command.js';
import type { HaltOptions, ResumeOptions } from './halt.js';
import type { ProxiesOptions } from './proxies.js';
import type { RecoverOptions } from './recover.js';
import type { ReportOptions } from './report.js';
import type { RunCommandOptions } from './run.js';
import type { StatusOptions } from './status.js';
import type { RunsOptions } from './runs.js';
import type { ServerCommandOptions } from './server.js';
import type { AuditOptions, ImportOptions } from './server-tools.js';
import type { ShowOptions } from './show.js';
import type { TypesOptions } from './types.js';
import type { ValidateOptions } from './validate.js';

/**
 * The command table. Each command loads its module only when it runs (Vite's cli.ts does the
 * same), so `firedrill --help` and `firedrill --version` stay instant.
 */
/** Commands that never start the local agent: it is theirs to run, or they use their own state. */
const NO_REVIVE = new Set(['agent', 'demo', 'demo-service']);

export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const set = (code: number) => {
    exitCode = code;
  };
  const program = new Command()
    .name('firedrill')
    .description('Resilience drills: break things on purpose, safely, and measure what held.')
    .version(firedrillVersion(), '-V, --version')
    .exitOverride()
    // `firedrill proxies apply --json`: options after a subcommand belong to it, not its parent.
    .enablePositionalOptions()
    .showHelpAfterError('(add --help for usage and examples)')
    .addHelpText(
      'after',
      `
Examples:
  $ firedrill validate examples/pause-a-process.yaml
  $ firedrill run examples/pause-a-process.yaml --dry-run
  $ firedrill run examples/pause-a-process.yaml --json > result.json
  $ firedrill runs && firedrill show <run-id>

Exit codes: 0 passed · 1 deviated, not steady or aborted · 2 invalid input · 3 tool failure
Experiment format: docs/experiments.md (JSON Schema: firedrill schema)`,
    );

  const stateDir = () => new Option('--state-dir <dir>', 'where runs and the fault ledger are kept').default('.firedrill');
  // Any command on a state directory whose agent died holding faults starts it again first.
  program.hook('preAction', async (_program, command) => {
    const dir = command.opts<{ stateDir?: unknown }>().stateDir;
    if (typeof dir !== 'string' || NO_REVIVE.has(command.name())) return;
    await (await import('./revive.js')).reviveDeadAgent(dir);
  });
  const experimentOptions = (command: Command) =>
    command
      .option('--var <name=value>', 'set a variable (repeatable)', collect, [])
      .option('--var-file <file>', 'read variables from a YAML or JSON file (repeatable)', collect, [])
      .option('--inventory <file>', 'inventory of services (default: firedrill.inventory.yaml next to the experiment, or here)');

  program
    .command('demo')
    .description('start a redundant two-datacenter shop, run six drills against it, and report what held')
    .option('--keep', 'leave the shop running after the drills (Ctrl-C stops it)')
    .option('--json', 'print the summary as JSON on stdout; progress goes to stderr')
    .option('--ui', 'serve the dashboard (127.0.0.1:7400, or a free port) and run the drills through it: watch them live, halt them')
    .option('--no-wait', 'with --ui: start the drills at once and stop at the end (no Enter, no Ctrl-C)')
    .option(
      '--gameday',
      'instead of the six drills: a game day — a secret scenario (the database link crawls, then a catalog replica dies) ' +
        "fought by a scripted responder team, with Prometheus and Alertmanager when installed; prints the team's times and writes the review",
    )
    .option(
      '--intrusion',
      'instead of the six drills: a security game day on a host (a network namespace with sshd and a login; root) — brute force, ' +
        'an authorized key, a backdoor listener, a canary exfiltrated — fought by a scripted security bot; prints TTD and TTC per step',
    )
    .addOption(stateDir())
    .addHelpText(
      'after',
      `
Examples:
  $ firedrill demo
  $ firedrill demo --keep        # then drill the running shop yourself
  $ firedrill demo --ui          # prints the dashboard's URL and a one-time password, waits for Enter
  $ firedrill demo --gameday     # villains, a responder bot, real alerts; times to detect/contain/recover
  $ sudo firedrill demo --intrusion   # an intrusion on a namespace "host"; TTD and TTC per technique, then "clean"

Exit codes: 0 every drill ended as it was built to (including the ones built to find a weakness) · 1 otherwise
  (--gameday: 0 the game day passed — every step's run passed and met its expectations — · 1 otherwise)
  (--intrusion: 0 what ran passed — every step detected and contained, every fault verified reverted, nothing left — · 1 otherwise;
   without root or network namespaces it runs nothing, says why, and exits 0)`,
    )
    .action(async (options: DemoCommandOptions) => set(await (await import('./demo.js')).demoCommand(options)));

  experimentOptions(
    program
      .command('validate')
      .description('check an experiment file: every problem at once, with file:line:col; nothing is run')
      .argument('<file>', 'experiment YAML file')
      .option('--json', 'print {valid, problems} as JSON on stdout'),
  )
    .addHelpText('after', '\nExample:\n  $ firedrill validate examples/pause-a-process.yaml --var url=http://127.0.0.1:8080\n')
    .action(async (file: string, options: ValidateOptions) => set(await (await import('./validate.js')).validateCommand(file, options)));

  experimentOptions(
    program
      .command('run')
      .description('run an experiment: hypothesis before, method with guardrails, hypothesis after, rollbacks; writes a journal')
      .argument('<file>', 'experiment YAML file')
      .option('--dry-run', 'resolve targets and show the plan; probe and inject nothing')
      .option('--json', 'print one JSON object {runId, verdict, reason, journal, …} on stdout; progress goes to stderr')
      .option('--seed <n>', 'seed for random target selection (replays an earlier run’s choice)')
      .option('-q, --quiet', 'no progress output')
      .option(
        '--lease-ttl <duration>',
        'lease of each fault on its agent; if this process dies, the agent reverts the fault after this long',
        '5s',
      )
      .option(
        '--server <url>',
        'run it on this control plane instead of here (env FIREDRILL_SERVER); progress and exit code as a local run',
      )
      .option('--token-file <file>', 'API token for --server (default: env FIREDRILL_TOKEN)')
      .addOption(stateDir()),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ firedrill run examples/pause-a-process.yaml
  $ firedrill run drill.yaml --var url=http://127.0.0.1:8080 --seed 42
  $ firedrill run drill.yaml --json | jq .verdict
  $ FIREDRILL_TOKEN=fdt_… firedrill run drill.yaml --server https://firedrill.internal:7400

Exit codes: 0 passed · 1 deviated, not-steady or aborted · 2 invalid input · 3 tool failure
Ctrl-C aborts the run: every fault is reverted and the journal written before exiting.`,
    )
    .action(async (file: string, options: RunCommandOptions) => set(await (await import('./run.js')).runCommand(file, options)));

  program
    .command('runs')
    .description('list recent runs, newest first')
    .option('--json', 'print the list as JSON')
    .option('-n, --limit <n>', 'how many runs', '20')
    .addOption(stateDir())
    .addHelpText('after', '\nExample:\n  $ firedrill runs -n 5\n')
    .action(async (options: RunsOptions) => set(await (await import('./runs.js')).runsCommand(options)));

  program
    .command('show')
    .description('show one run: verdict, activities, faults with inject/revert/verify, findings')
    .argument('<run-id>', 'a run id or a unique prefix of one')
    .option('--json', 'print the whole journal')
    .addOption(stateDir())
    .addHelpText('after', '\nExample:\n  $ firedrill show 20261121-1015\n')
    .action(async (runId: string, options: ShowOptions) => set(await (await import('./show.js')).showCommand(runId, options)));

  program
    .command('report')
    .description('render a run as a self-contained HTML page (charts, timeline, faults), Markdown, or JUnit XML for CI')
    .argument('<run-id>', 'a run id or a unique prefix of one')
    .addOption(new Option('--format <format>', 'html, md or junit').choices(['html', 'md', 'junit']).default('html'))
    .option('--out <file>', 'where to write it (- for stdout; default: report.html, report.md or junit.xml in the run’s directory)')
    .addOption(stateDir())
    .addHelpText(
      'after',
      [
        '\nExamples:',
        '  $ firedrill report 20261121-1015',
        '  $ firedrill report 20261121-1015 --format junit --out junit.xml',
        '  $ firedrill report 20261121-1015 --format md --out - >> "$GITHUB_STEP_SUMMARY"\n',
      ].join('\n'),
    )
    .action(async (runId: string, options: ReportOptions) => set(await (await import('./report.js')).reportCommand(runId, options)));

  program
    .command('agent')
    .description('run the agent: executes faults on this host, reverts each one whose lease is not renewed, recovers after a crash')
    .option(
      '--listen <address>',
      'host:port to listen on (port 0: any free port); a non-loopback address needs TLS or --insecure',
      '127.0.0.1:7420',
    )
    .option('--tls-cert <file>', 'PEM certificate, to serve HTTPS')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--insecure', 'allow plain HTTP on a non-loopback address (prints a warning)')
    .option('--idle-exit <duration>', 'exit after this long with no active fault and no request (e.g. 10m)')
    .option('--sweep-interval <duration>', 'how often to look for orphaned artefacts', '30s')
    .option(
      '--toxiproxy-listen <address>',
      'also serve the Toxiproxy-compatible API there (e.g. 127.0.0.1:8474), so Toxiproxy clients work unchanged',
    )
    .option(
      '--inventory <file>',
      "this host's inventory: the start commands and pid files faults may use here (besides <state-dir>/allow.json)",
    )
    .addOption(stateDir())
    .addHelpText(
      'after',
      `
Examples:
  $ firedrill agent                                   # 127.0.0.1:7420, state in ./.firedrill
  $ firedrill agent --listen 0.0.0.0:7420 --tls-cert agent.pem --tls-key agent-key.pem
  $ firedrill agent --toxiproxy-listen 127.0.0.1:8474        # for test suites using a Toxiproxy client

The token for clients is in <state-dir>/agent.token (mode 0600). \`firedrill run\` starts a
local agent by itself when none runs (it exits after 10 minutes idle).`,
    )
    .action(async (options: AgentCommandOptions) => set(await (await import('./agent.js')).agentCommand(options)));

  program
    .command('server')
    .description('run the control plane: experiments, users and tokens, the audit log, behind one API (/api/v1)')
    .option('--listen <address>', 'host:port to listen on; a non-loopback address needs TLS or --insecure', '127.0.0.1:7400')
    .option(
      '--database <url>',
      'postgres://… to share one store between replicas (default: SQLite in <state-dir>/server.db; env FIREDRILL_DATABASE)',
    )
    .option('--tls-cert <file>', 'PEM certificate, to serve HTTPS')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--insecure', 'allow plain HTTP on a non-loopback address (prints a warning)')
    .option('--inventory <file>', 'the inventory its runs resolve targets with (default: ./firedrill.inventory.yaml)')
    .option(
      '--run-lease <duration>',
      "a replica's claim on each run and game day it drives; another replica aborts such a run, and carries such a game day on, once the claim lapsed",
      '10s',
    )
    .option('--lease-ttl <duration>', "the agents' lease on each fault of the server's runs", '5s')
    .option('--drill-claim <duration>', "a replica's claim on a drill launch it settles; another replica takes a lapsed one over", '60s')
    .option('--drill-tick <duration>', 'how often the scheduler looks for due launches', '500ms')
    .addOption(stateDir())
    .addHelpText(
      'after',
      `
Examples:
  $ firedrill server                                    # http://127.0.0.1:7400, SQLite in ./.firedrill/server.db
  $ firedrill server --database postgres://fd@db/firedrill --listen 0.0.0.0:7400 --tls-cert s.pem --tls-key s-key.pem

The first start of a store prints the admin's one-time password; it is never shown again.`,
    )
    .action(async (options: ServerCommandOptions) => set(await (await import('./server.js')).serverCommand(options)));

  const server = program.commands.find((c) => c.name() === 'server');
  server
    ?.command('import')
    .description("bring the journals of local runs (firedrill run without a server) into the server's store")
    .argument('[dir]', 'a runs directory (default: <state-dir>/runs)')
    .option('--database <url>', 'the store: postgres://… or a SQLite file (default: <state-dir>/server.db; env FIREDRILL_DATABASE)')
    .option('--json', 'print {imported, skipped} as JSON')
    .addOption(stateDir())
    .action(async (dir: string | undefined, options: ImportOptions) =>
      set(await (await import('./server-tools.js')).importCommand(dir, options)),
    );

  program
    .command('audit')
    .description("read the control plane's audit log, newest first: who did what, to what, from where, and how it ended")
    .option('--database <url>', 'the store: postgres://… or a SQLite file (default: <state-dir>/server.db; env FIREDRILL_DATABASE)')
    .option('--actor <name>', 'only what this user did')
    .option('--action <action>', 'only this action (login, halt, run.start, experiment.update, …)')
    .option('--since <date>', 'only from this date or time on (ISO 8601)')
    .option('-n, --limit <n>', 'how many records (1 to 1000)', '50')
    .option('--json', 'print the records as JSON')
    .addOption(stateDir())
    .addHelpText(
      'after',
      '\nExamples:\n  $ firedrill audit --action halt\n  $ firedrill audit --database postgres://fd@db/firedrill --since 2026-12-01 --json\n',
    )
    .action(async (options: AuditOptions) => set(await (await import('./server-tools.js')).auditCommand(options)));

  program
    .command('halt')
    .description('revert every active fault on every known agent at once, and refuse new runs until `firedrill resume`')
    .option('--reason <text>', 'why; shown to runs that abort and in `firedrill status`')
    .option('--inventory <file>', 'inventory listing other agents (default: ./firedrill.inventory.yaml)')
    .option('--json', 'print the result as JSON')
    .addOption(stateDir())
    .addHelpText(
      'after',
      '\nExample:\n  $ firedrill halt --reason "checkout errors, stopping all drills"\n\nExit codes: 0 every agent halted and every revert verified · 3 otherwise\n',
    )
    .action(async (options: HaltOptions) => set(await (await import('./halt.js')).haltCommand(options)));

  program
    .command('resume')
    .description('lift a halt: runs may inject faults again')
    .option('--inventory <file>', 'inventory listing other agents')
    .option('--json', 'print the result as JSON')
    .addOption(stateDir())
    .addHelpText('after', '\nExample:\n  $ firedrill resume\n')
    .action(async (options: ResumeOptions) => set(await (await import('./halt.js')).resumeCommand(options)));

  program
    .command('status')
    .description('show the agents, their active faults with lease time left, and whether Firedrill is halted')
    .option('--inventory <file>', 'inventory listing other agents')
    .option('--json', 'print the status as JSON')
    .addOption(stateDir())
    .addHelpText('after', '\nExample:\n  $ firedrill status\n\nExit codes: 0 all agents answer and nothing is left behind · 1 otherwise\n')
    .action(async (options: StatusOptions) => set(await (await import('./status.js')).statusCommand(options)));

  program
    .command('recover')
    .description('revert and verify every fault left open in the ledger (after a crash), and remove orphaned artefacts')
    .option('--json', 'print what was reverted as JSON')
    .addOption(stateDir())
    .addHelpText(
      'after',
      '\nExample:\n  $ firedrill recover\n\nExit codes: 0 everything reverted and verified · 3 a revert could not be verified\n',
    )
    .action(async (options: RecoverOptions) => set(await (await import('./recover.js')).recoverCommand(options)));

  const proxies = program
    .command('proxies')
    .description('list the fault proxies of every known agent, with their active toxics')
    .option('--inventory <file>', 'inventory listing proxies and other agents')
    .option('--json', 'print as JSON')
    .addOption(stateDir())
    .enablePositionalOptions()
    .action(async (options: ProxiesOptions) => set(await (await import('./proxies.js')).proxiesListCommand(options)));
  proxies
    .command('apply')
    .description("make the inventory's proxies run on their agents (before the services that use them start)")
    .option('--inventory <file>', 'inventory with a proxies: section (default: ./firedrill.inventory.yaml)')
    .option('--json', 'print as JSON')
    .addOption(stateDir())
    .addHelpText('after', '\nExample:\n  $ firedrill proxies apply --inventory shop/firedrill.inventory.yaml\n')
    .action(async (options: ProxiesOptions) => set(await (await import('./proxies.js')).proxiesApplyCommand(options)));

  program
    .command('types')
    .description('list the fault and probe types, or show the parameters of one')
    .argument('[name]', 'a fault or probe type, e.g. process-pause or http')
    .option('--json', 'print as JSON')
    .option('--markdown', 'print the reference of every type as Markdown (docs/reference.md)')
    .addHelpText('after', '\nExamples:\n  $ firedrill types\n  $ firedrill types disk-fill\n')
    .action(async (name: string | undefined, options: TypesOptions) => set(await (await import('./types.js')).typesCommand(name, options)));

  program
    .command('schema')
    .description('print the JSON Schema of experiment files (for editor completion and CI checks)')
    .addHelpText('after', '\nExample:\n  $ firedrill schema > firedrill.schema.json\n')
    .action(async () => set(await (await import('./schema.js')).schemaCommand()));

  // Started by `firedrill demo` (and by drills restarting them), never by hand: hidden from help.
  program
    .command('demo-service', { hidden: true })
    .description("run one service of the demo's shop: catalog, orders or gateway")
    .argument('<role>', 'catalog, orders or gateway')
    .requiredOption('--demo <id>', 'the demo this service belongs to (in its command line, so the demo finds it)')
    .requiredOption('--name <name>', 'service name, e.g. catalog-a1')
    .requiredOption('--port <port>', 'port on 127.0.0.1')
    .option('--dc <dc>', 'datacenter label')
    .option('--owner <pid>', 'exit when this process (the demo) is gone')
    .option('--primary <host:port>', 'orders: the primary database (through its proxy)')
    .option('--replica <host:port>', 'orders: the replica database (through its proxy)')
    .option('--user <user>', 'orders: database user', 'postgres')
    .option('--database <name>', 'orders: database name', 'shop')
    .option('--failover-after <duration>', 'orders: promote the replica once the primary has been unreachable this long', '2s')
    .option('--catalog <name=host:port>', 'gateway: a catalog upstream (repeatable)', collect, [])
    .option('--orders <name=host:port>', 'gateway: an orders upstream (repeatable)', collect, [])
    .action(async (role: string, options: DemoServiceOptions) =>
      set(await (await import('../demo/shop/service-command.js')).demoServiceCommand(role, options)),
    );

  addDrillCommands(program, set);
  addCoverageCommand(program, set);

  try {
    await program.parseAsync(argv);
  } catch (error) {
    return reportError(error, process.stderr);
  }
  return exitCode;
}

/** commander helper: repeatable options collect into a list. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
