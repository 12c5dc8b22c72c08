/** Failed logins allowed per window, per address and name, before the next attempt must wait. */
const MAX_FAILURES = 5;
const WINDOW_MS = 60_000;
/** Remembered keys at most: an attacker spraying names cannot grow it without bound. */
const MAX_KEYS = 10_000;

/** Rate limit for logins: after 5 failures within a minute, refuse until that minute is over. */
export class LoginThrottle {
  readonly #failures = new Map<string, number[]>();

  waitMs(key: string, now = Date.now()): number {
    const recent = (this.#failures.get(key) ?? []).filter((at) => now - at < WINDOW_MS);
    if (recent.length < MAX_FAILURES) return 0;
    return WINDOW_MS - (now - (recent[0] ?? now));
  }

  failed(key: string, now = Date.now()): void {
    const recent = (this.#failures.get(key) ?? []).filter((at) => now - at < WINDOW_MS);
    this.#failures.delete(key);
    this.#failures.set(key, [...recent, now]);
    if (this.#failures.size > MAX_KEYS) this.#failures.delete(this.#failures.keys().next().value as string);
  }

  succeeded(key: string): void {
    this.#failures.delete(key);
  }
}
