// The one shape of a bench in this folder; a bench states only its own steps:
//
//   arguments → temp dir → prepare → sleeper processes → experiment file → agent → measure
//     └ finally: agent stopped (it reverts what it holds) → teardown → every tracked process
//       killed, the temp dir removed
//   → summarize → printed as JSON → with --write, its row(s) in bench/RESULTS.md → exit code
//
// The cleanup runs on a failure too, and support's last-resort hooks cover a Ctrl-C, so no
// paused sleeper, agent or helper outlives a bench.
import { join } from 'node:path';
import {
  cleanup,
  makeTempDir,
  parseArgs,
  runCli,
  spawnSleeps,
  stamp,
  startAgent,
  stopAgent,
  writeExperiment,
  writeResultRow,
} from './support.mjs';

/**
 * Runs one bench. Its steps, all but `measure` and `summarize` optional, see the context `s`:
 * { options, dir, stateDir, pids, experiment, agent, run(args), cli(args) }; a step may replace
 * `s.agent` (one it restarted is the one stopped) and keep its own state on `s`.
 *
 * - `name`: of the temp dir and of the experiment file (`<name>.yaml`);
 * - `defaults`: the options (`parseArgs`; `--write` always exists);
 * - `prepare(s)`: before the sleepers — servers the experiment points at, tools, helpers;
 * - `sleepers(options)`: how many `sleep` processes to start (their pids in `s.pids`);
 * - `experiment(s)`: the YAML of the experiment file (its path in `s.experiment`);
 * - `agent`: false when the bench starts none (the runs start their own);
 * - `measure(s)`: the bench; what it returns goes to `summarize(measured, s)`, whose result
 *   is printed (`print`, indented JSON by default);
 * - `results`: its table in bench/RESULTS.md, { id, heading, explanation, columns, cells(result,
 *   s) }: with --write, a row of the date, the commit, the machine and those cells is added
 *   (or `write(result, s)`, for a bench that writes more than one row);
 * - `passed(result)`: exit code 0, else 1 (by default `result.met`).
 */
export async function runScenario(spec) {
  const options = parseArgs(spec.defaults);
  const dir = makeTempDir(spec.name);
  const s = { options, dir, stateDir: join(dir, '.firedrill'), pids: [], experiment: undefined, agent: undefined };
  /** `firedrill …args --state-dir <state dir>`, in the temp dir. */
  s.cli = (args, runOptions) => runCli([...args, '--state-dir', s.stateDir], { cwd: dir, ...runOptions });
  /** `firedrill run <experiment> …args --state-dir <state dir>`, in the temp dir. */
  s.run = (args, runOptions) => s.cli(['run', s.experiment, ...args], runOptions);
  let measured;
  try {
    await spec.prepare?.(s);
    s.pids = spawnSleeps(spec.sleepers?.(options) ?? 0);
    if (spec.experiment) s.experiment = writeExperiment(dir, `${spec.name}.yaml`, spec.experiment(s));
    if (spec.agent !== false) s.agent = await startAgent(s.stateDir);
    measured = await spec.measure(s);
  } finally {
    try {
      await stopAgent(s.agent);
      await spec.teardown?.(s);
    } finally {
      await cleanup();
    }
  }
  const result = spec.summarize(measured, s);
  if (spec.print) spec.print(result);
  else console.log(JSON.stringify(result, null, 2));
  if (options.write && spec.write) spec.write(result, s);
  else if (options.write) writeRow(spec.results, result, s);
  process.exitCode = (spec.passed ?? ((r) => r.met))(result) ? 0 : 1;
}

/** One row under the bench's table: the date, the commit, the machine, then its own cells. */
function writeRow({ cells, ...table }, result, s) {
  writeResultRow({ ...table, row: [...stamp(), ...cells(result, s)] });
}
