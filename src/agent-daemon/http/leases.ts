/**
 * One lease per run: the dead-man switch of its faults. Every lease has its own timer set to
 * its expiry (no polling loop), so a controller that stops renewing is noticed at the expiry
 * itself, give or take one event-loop turn: the target is "reverted within TTL + 100 ms".
 */
export class Leases {
  readonly #leases = new Map<string, { expiresAt: number; timer: NodeJS.Timeout }>();
  readonly #onExpire: (runId: string, expiresAt: number) => void;

  /** `onExpire` runs once per expired lease, after the lease is gone (a renewal then starts a new one). */
  constructor(onExpire: (runId: string, expiresAt: number) => void) {
    this.#onExpire = onExpire;
  }

  /**
   * Sets the run's lease to expire `ttlMs` from now. With `keepLonger` a later expiry already
   * held is kept: a new fault with a short TTL must not shorten the lease of its run's others.
   */
  set(runId: string, ttlMs: number, keepLonger = false): number {
    const now = Date.now();
    const held = this.#leases.get(runId);
    const expiresAt = keepLonger && held ? Math.max(held.expiresAt, now + ttlMs) : now + ttlMs;
    if (held) clearTimeout(held.timer);
    const timer = setTimeout(() => {
      this.#leases.delete(runId);
      this.#onExpire(runId, expiresAt);
    }, expiresAt - now);
    this.#leases.set(runId, { expiresAt, timer });
    return expiresAt;
  }

  expiresAt(runId: string): number | undefined {
    return this.#leases.get(runId)?.expiresAt;
  }

  /** Ends a lease without expiry: its run has no fault left to guard. */
  drop(runId: string): void {
    const held = this.#leases.get(runId);
    if (held) clearTimeout(held.timer);
    this.#leases.delete(runId);
  }

  clear(): void {
    for (const runId of [...this.#leases.keys()]) this.drop(runId);
  }
}
