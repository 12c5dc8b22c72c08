// What the benchmarks of this folder share, in one import: the arguments (here), and from
// support/: time and polling (clock), /proc readers (proc), the processes and temp dirs a bench
// must stop and remove (processes), the CLI and the agent (agent), statistics (stats), rows of
// bench/RESULTS.md (results), where the project is (paths). The shape of a whole bench —
// arguments → temp dir → sleepers → experiment → agent → cleanup — is scenario.mjs.
//
// Importing this module installs the last-resort cleanup (exit, Ctrl-C): helper processes that
// must not have it import the side-effect-free support/clock.mjs and support/stats.mjs directly.
export * from './support/agent.mjs';
export * from './support/clock.mjs';
export * from './support/paths.mjs';
export * from './support/proc.mjs';
export * from './support/processes.mjs';
export * from './support/results.mjs';
export * from './support/stats.mjs';

/** `--name value` options and `--flag` switches; numbers where the default is a number. */
export function parseArgs(defaults) {
  const argv = process.argv.slice(2);
  const options = { ...defaults, write: argv.includes('--write') };
  for (const [name, value] of Object.entries(defaults)) {
    const at = argv.indexOf(`--${name}`);
    if (at < 0) continue;
    const given = argv[at + 1];
    if (given === undefined) throw new Error(`--${name} needs a value`);
    options[name] = typeof value === 'number' ? Number(given) : given;
    if (typeof value === 'number' && !Number.isFinite(options[name])) throw new Error(`--${name} expects a number, got ${given}`);
  }
  return options;
}
