/**
 * How long the agent has had nothing to do: no request in flight, none for a while, and no
 * fault (the caller says whether it holds any). An agent started by `firedrill run` exits
 * once this passes its idle limit, so no daemon lingers after the drills.
 */
export class IdleClock {
  #inFlight = 0;
  #lastActive = Date.now();

  begin(): void {
    this.#inFlight++;
    this.#lastActive = Date.now();
  }

  end(): void {
    this.#inFlight--;
    this.#lastActive = Date.now();
  }

  /** Milliseconds idle; 0 (and the clock restarts) while busy. */
  idleFor(holdsFaults: boolean): number {
    if (holdsFaults || this.#inFlight > 0) {
      this.#lastActive = Date.now();
      return 0;
    }
    return Date.now() - this.#lastActive;
  }
}
