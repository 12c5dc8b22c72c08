import { errorMessage } from '../errors.js';
import type { ReceivedAlert } from '../engine/expectation.js';
import type { StoredAlert } from '../store/alerts.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/log.js';

/** How often a replica with someone waiting reads the alerts another replica received. */
const POLL_MS = 100;

interface Listener {
  readonly since: number;
  readonly on: (alert: ReceivedAlert) => void;
  readonly seen: Set<string>;
}

/**
 * Alerts as the runs' expectations hear them: each alert received here is stored and handed at
 * once to the runs of this replica that wait; one received by another replica is read from the
 * store within POLL_MS (only while a run here waits: an idle server reads nothing).
 */
export class AlertInbox {
  readonly #listeners = new Set<Listener>();
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> | undefined;
  #readFrom = Number.POSITIVE_INFINITY;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  /** Stores what a receiver got and tells those waiting here. */
  async receive(alerts: readonly Omit<StoredAlert, 'id'>[]): Promise<StoredAlert[]> {
    const stored: StoredAlert[] = [];
    for (const alert of alerts) stored.push(await this.store.alerts.add(alert));
    for (const alert of stored) this.#deliver(alert);
    return stored;
  }

  subscribe(since: number, on: (alert: ReceivedAlert) => void): () => void {
    const listener: Listener = { since, on, seen: new Set() };
    this.#listeners.add(listener);
    this.#readFrom = Math.min(this.#readFrom, since);
    this.#timer ??= setInterval(() => this.#poll(), POLL_MS);
    this.#poll(); // what came before it subscribed
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.close();
    };
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#readFrom = Number.POSITIVE_INFINITY;
  }

  #poll(): void {
    if (this.#reading) return; // one read at a time: the next tick reads what this one missed
    this.#reading = this.#read().finally(() => (this.#reading = undefined));
  }

  async #read(): Promise<void> {
    if (this.#listeners.size === 0) return;
    try {
      // From a little before the newest seen: two replicas' clocks and inserts do not line up exactly.
      const alerts = await this.store.alerts.since(this.#readFrom);
      for (const alert of alerts) this.#deliver(alert);
      const newest = alerts.at(-1)?.receivedAt;
      if (newest !== undefined) this.#readFrom = Math.max(this.#readFrom, newest - 5000);
    } catch (error) {
      this.log.warn('could not read the alerts received by other replicas', { error: errorMessage(error) });
    }
  }

  #deliver(alert: StoredAlert): void {
    for (const listener of this.#listeners) {
      if (alert.receivedAt < listener.since || listener.seen.has(alert.id)) continue;
      listener.seen.add(alert.id);
      listener.on(alert);
    }
  }
}
