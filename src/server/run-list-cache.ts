import type { RunInfo } from '../store/runs.js';

/** A page may be this old when another replica changed a run (this replica's changes clear it at once). */
const TTL_MS = 1000;
const MAX_PAGES = 200;

/**
 * Pages of `GET /api/v1/runs`, kept until a run changes on this replica or for a second: runs are
 * listed far more often than they change (a dashboard polls), and reading them is most of a
 * listing's cost. Keyed by the query and the secrecy class, never by who asks: each answer is
 * still filtered for its caller.
 */
export class RunListCache {
  readonly #pages = new Map<string, { at: number; version: number; runs: RunInfo[] }>();
  #version = 0;

  changed(): void {
    this.#version += 1;
  }

  async get(key: string, load: () => Promise<RunInfo[]>): Promise<RunInfo[]> {
    const now = Date.now();
    const page = this.#pages.get(key);
    if (page && page.version === this.#version && now - page.at < TTL_MS) return page.runs;
    const version = this.#version;
    const runs = await load();
    this.#pages.delete(key);
    if (this.#pages.size >= MAX_PAGES) this.#pages.delete(this.#pages.keys().next().value as string);
    this.#pages.set(key, { at: now, version, runs });
    return runs;
  }
}
