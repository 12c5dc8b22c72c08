import { basename, dirname, resolve } from 'node:path';
import { listRuns, readRun } from '../runs/run-directory.js';
import type { RunEvent } from '../engine/events.js';
import { summarizeTargets } from '../engine/target.js';
import type { Store } from '../store/store.js';

export interface ImportOutcome {
  readonly imported: string[];
  /** Already in the store: left as they are. */
  readonly skipped: string[];
}

/**
 * Brings runs made by `firedrill run` (journal files under `<state-dir>/runs`) into the store, with
 * their events, as ended runs started by `importedBy`. A run that never finished (Firedrill was
 * killed) comes in without a verdict, and says so. Importing twice changes nothing.
 */
export async function importRuns(store: Store, path: string, importedBy: string): Promise<ImportOutcome> {
  const full = resolve(path);
  const stateDir = basename(full) === 'runs' ? dirname(full) : full;
  const imported: string[] = [];
  const skipped: string[] = [];
  for (const summary of listRuns(stateDir)) {
    if (await store.runs.get(summary.runId)) {
      skipped.push(summary.runId);
      continue;
    }
    const run = readRun(stateDir, summary.runId);
    const journal = run.journal;
    const startedAt = Date.parse(summary.startedAt) || Date.now();
    await store.runs.importEnded({
      id: summary.runId,
      title: summary.title,
      startedBy: importedBy,
      createdAt: startedAt,
      endedAt: journal ? startedAt + journal.durationMs : null,
      verdict: journal?.verdict ?? null,
      reason: journal?.reason ?? 'never finished: Firedrill stopped before the run ended (imported from its events)',
      tags: journal ? [...journal.experiment.tags] : [],
      targets: targetsOf(run.events),
      request: { name: journal?.experiment.file ?? summary.runId, author: importedBy, dryRun: summary.dryRun, imported: true },
      journal,
      events: run.events.map(({ runId: _runId, ...event }) => ({
        seq: event.seq,
        at: Date.parse(event.at),
        type: event.type,
        data: event,
      })),
    });
    imported.push(summary.runId);
  }
  return { imported, skipped };
}

function targetsOf(events: readonly RunEvent[]): string | null {
  for (const event of events) if (event.type === 'targets-resolved') return summarizeTargets(event.targets);
  return null;
}
