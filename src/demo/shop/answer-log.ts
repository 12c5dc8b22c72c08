/** An answer slower than this is worth a line in the gateway's log. */
const SLOW_SECONDS = 1;
/** At most one line per route and kind in this long: a log, not a flood. */
const QUIET_MS = 5000;

/**
 * What an operator reading the gateway's log sees of its customers' answers: a line when a route
 * answers slowly or with a server error, at most one per route and kind every 5 s — what a log
 * matcher (and a responder without Prometheus) watches for.
 */
export class AnswerLog {
  readonly #lastAt = new Map<string, number>();

  constructor(private readonly log: (line: string) => void) {}

  note(route: string, code: number, seconds: number): void {
    if (code >= 500) this.#once(`${route} ${code}`, `${route}: answered ${code} to a customer`);
    else if (seconds > SLOW_SECONDS)
      this.#once(`${route} slow`, `${route}: slow answer, ${seconds.toFixed(2)} s (more than ${SLOW_SECONDS} s)`);
  }

  #once(key: string, line: string): void {
    const now = Date.now();
    if (now - (this.#lastAt.get(key) ?? -Infinity) < QUIET_MS) return;
    this.#lastAt.set(key, now);
    this.log(line);
  }
}
