// What a kill may leave behind, as the orphans bench counts it — the sleeper still stopped
// (state T), live processes tagged `--firedrill-tag=` with a tag of this ledger (stress workers),
// `.firedrill-fill-*` files in the fill directory (and ours in the system temp dir), ledger
// records still `intent`/`active` — and when a kill fell, from the ledger.
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { killGroup, onCleanup, procState, taggedProcesses } from '../support.mjs';

const FILL_PREFIX = '.firedrill-fill-';

/** The ledger of `stateDir`, read-only, and the survey of what is left; `close()` at the end. */
export function openSurvey(stateDir, fillDir) {
  const ledger = new Database(join(stateDir, 'ledger.db'), { readonly: true, fileMustExist: true });
  const byTag = ledger.prepare('SELECT 1 FROM faults WHERE tag = ? LIMIT 1');
  const open = ledger.prepare(`SELECT run_id, fault_id, type, status FROM faults WHERE status IN ('intent', 'active')`);
  const since = ledger.prepare('SELECT * FROM faults WHERE id > ? ORDER BY id');
  const failedSince = ledger.prepare(`SELECT run_id, fault_id, type, verification FROM faults WHERE id > ? AND status = 'revert-failed'`);
  const maxId = ledger.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM faults');

  const ourTag = (tag) => byTag.get(tag) !== undefined;
  const ourWorkers = () => taggedProcesses().filter((p) => p.state !== 'Z' && ourTag(p.tag));
  const fillFiles = () => {
    const found = readdirSync(fillDir)
      .filter((name) => name.startsWith(FILL_PREFIX))
      .map((name) => join(fillDir, name));
    for (const name of readdirSync(tmpdir())) {
      if (name.startsWith(FILL_PREFIX) && ourTag(name.slice(FILL_PREFIX.length))) found.push(join(tmpdir(), name));
    }
    return found;
  };
  const killWorkers = () => {
    for (const worker of ourWorkers()) killGroup(worker.pid, 'SIGKILL');
  };
  // Last resort on a crash of this script: no stress worker of ours may outlive it.
  onCleanup(() => ledger.open && killWorkers());

  return {
    /** What is left around `sleeperPid`: { paused, workers, fills, open }, each a list. */
    look(sleeperPid) {
      return {
        paused: procState(sleeperPid) === 'T' ? [sleeperPid] : [],
        workers: ourWorkers().map((w) => `${w.pid} ${w.tag} (${w.state})`),
        fills: fillFiles(),
        open: open.all().map((r) => `${r.run_id}/${r.fault_id} ${r.type} ${r.status}`),
      };
    },
    /** Workers and fill files cleared by hand (when the agent's recovery was not enough). */
    clearByHand() {
      killWorkers();
      for (const file of fillFiles()) rmSync(file, { force: true });
    },
    lastId: () => maxId.get().id,
    recordsSince: (id) => since.all(id),
    revertFailedSince: (id) => failedSince.all(id),
    close() {
      killWorkers();
      ledger.close();
    },
  };
}

/** How many things a `look()` saw left. */
export const countLeft = (seen) => seen.paused.length + seen.workers.length + seen.fills.length + seen.open.length;

/** When the kill fell, from this iteration's ledger records and whether the run had ended. */
export function phaseOf(records, killedAt, runEndedBefore) {
  if (runEndedBefore) return 'after';
  const created = records.filter((r) => r.created_at <= killedAt);
  if (created.length === 0) return 'before';
  if (created.length < 4 || created.some((r) => r.injected_at === null || r.injected_at > killedAt)) return 'during';
  if (created.some((r) => r.reverted_at !== null && r.reverted_at <= killedAt)) return 'reverting';
  return 'active';
}
