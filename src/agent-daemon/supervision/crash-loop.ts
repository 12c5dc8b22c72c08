/** Restarts within this window count as one crash loop. */
const WINDOW_MS = 30_000;
/** This many quick restarts are free: a worker killed by someone comes back at once. */
const FREE_RESTARTS = 3;
const MAX_DELAY_MS = 10_000;

/**
 * How long to wait before starting a worker that died: at once, unless it keeps dying before
 * it is ready (a broken ledger, a port it cannot use), then 0.5 s, 1 s, 2 s… up to 10 s.
 */
export class CrashLoop {
  #crashes: number[] = [];

  /** A worker died before being healthy: the delay before the next one. */
  crashed(now = Date.now()): number {
    this.#crashes = [...this.#crashes.filter((at) => now - at < WINDOW_MS), now];
    const extra = this.#crashes.length - FREE_RESTARTS;
    return extra <= 0 ? 0 : Math.min(MAX_DELAY_MS, 500 * 2 ** (extra - 1));
  }

  /** A worker became ready: earlier crashes no longer slow the next restart. */
  healthy(): void {
    this.#crashes = [];
  }
}
