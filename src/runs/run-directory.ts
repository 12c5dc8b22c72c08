import { closeSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { RunEvent, RunObserver, StoredRun } from '../engine/events.js';

export type { StoredRun } from '../engine/events.js';
import type { Journal, Verdict } from '../engine/journal.js';
import { openPrivate, privateDir } from '../util/private-files.js';
import { randomHex } from '../util/random.js';
import { didYouMean } from '../util/suggest.js';

/**
 * Runs on disk: `<stateDir>/runs/<run-id>/events.jsonl` written as events happen (a crashed
 * run still leaves its story) and `journal.json` written once at the end. They tell what a
 * drill did to which system: the state directory and everything below it are the user's alone
 * (0700 directories, 0600 files; see util/private-files.ts).
 */
export function runsDir(stateDir: string): string {
  return join(stateDir, 'runs');
}

/** Sortable and short: `20261121-101530-3fa9c2`. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomHex(6)}`;
}

export function createRunDirectory(stateDir: string, runId: string): string {
  const dir = join(runsDir(stateDir), runId);
  // Each level tightened: a state directory an older Firedrill made 0755 becomes 0700.
  for (const level of [stateDir, runsDir(stateDir), dir]) privateDir(level);
  return dir;
}

/** Writes a file of a run as a whole: 0600, through a temporary name, so no reader sees half of it. */
function writeRunFile(path: string, text: string): void {
  const temp = `${path}.tmp`;
  rmSync(temp, { force: true });
  const fd = openPrivate(temp, 'wx');
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

/** Appends every event as one JSON line, synchronously, in order. */
export class EventsFile implements RunObserver {
  readonly name = 'events.jsonl';
  private fd: number | undefined;

  constructor(readonly path: string) {
    this.fd = openPrivate(path);
  }

  onEvent(event: RunEvent): void {
    if (this.fd !== undefined) writeSync(this.fd, `${JSON.stringify(event)}\n`);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Written to a temporary name and renamed: a reader never sees half a journal. */
export function writeJournal(dir: string, journal: Journal): string {
  const path = join(dir, 'journal.json');
  writeRunFile(path, `${JSON.stringify(journal, null, 2)}\n`);
  return path;
}

export interface RunSummary {
  readonly runId: string;
  readonly title: string;
  readonly startedAt: string;
  /** Undefined when the run never finished (Firedrill was killed): see its events. */
  readonly verdict?: Verdict;
  readonly reason?: string;
  readonly durationMs?: number;
  readonly dryRun: boolean;
  readonly dir: string;
}

export function listRuns(stateDir: string): RunSummary[] {
  const base = runsDir(stateDir);
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .sort()
    .flatMap((runId) => {
      const summary = summarize(join(base, runId), runId);
      return summary ? [summary] : [];
    });
}

/** A run by id or unique id prefix (`firedrill show 20261121-1015`). */
export function readRun(stateDir: string, idOrPrefix: string): StoredRun {
  const base = runsDir(stateDir);
  const ids = existsSync(base) ? readdirSync(base) : [];
  const matches = ids.filter((id) => id.startsWith(idOrPrefix));
  if (matches.length === 0) {
    throw new UserError('FD_RUN_NOT_FOUND', `no run ${idOrPrefix} in ${base}${didYouMean(idOrPrefix, ids)}; \`firedrill runs\` lists them`);
  }
  if (matches.length > 1 && !matches.includes(idOrPrefix)) {
    throw new UserError(
      'FD_RUN_AMBIGUOUS',
      `${idOrPrefix} matches ${matches.length} runs: ${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', …' : ''}`,
    );
  }
  const runId = matches.includes(idOrPrefix) ? idOrPrefix : (matches[0] as string);
  const dir = join(base, runId);
  const journal = readJson<Journal>(join(dir, 'journal.json'));
  return { dir, runId, ...(journal ? { journal } : {}), events: readEvents(join(dir, 'events.jsonl')) };
}

function summarize(dir: string, runId: string): RunSummary | undefined {
  const journal = readJson<Journal>(join(dir, 'journal.json'));
  if (journal) {
    return {
      runId,
      title: journal.experiment.title,
      startedAt: journal.startedAt,
      verdict: journal.verdict,
      reason: journal.reason,
      durationMs: journal.durationMs,
      dryRun: journal.dryRun,
      dir,
    };
  }
  const started = readEvents(join(dir, 'events.jsonl')).find((e) => e.type === 'run-started');
  if (!started || started.type !== 'run-started') return undefined;
  return { runId, title: started.title, startedAt: started.at, dryRun: started.dryRun, dir };
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Events of a run; a torn last line (the process died mid-write) is ignored. */
export function readEvents(path: string): RunEvent[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').flatMap((line) => {
    if (!line.trim()) return [];
    try {
      return [JSON.parse(line) as RunEvent];
    } catch {
      return [];
    }
  });
}
