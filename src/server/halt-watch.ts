import { EventEmitter } from 'node:events';
import { errorMessage } from '../errors.js';
import type { Logger } from '../util/log.js';
import type { HaltState } from './run-service.js';

/** How often the store is read for a halt or a resume said on another replica, while someone listens. */
const POLL_MS = 250;

/**
 * The halt as every connected dashboard sees it: a halt or resume said here is told at once, one
 * said on another replica within POLL_MS. One store read per period for all listeners, and none
 * while nobody listens.
 */
export class HaltWatch {
  readonly #news = new EventEmitter();
  #current: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reading = false;

  constructor(
    private readonly read: () => Promise<HaltState | undefined>,
    private readonly log: Logger,
  ) {
    this.#news.setMaxListeners(0);
  }

  /** Calls `listener` with the halt now, then at each change, until the returned function is called. */
  async listen(listener: (halt: HaltState | null) => void): Promise<() => void> {
    const now = (await this.read()) ?? null;
    this.#current ??= JSON.stringify(now);
    this.#news.on('change', listener);
    this.#timer ??= setInterval(() => void this.changed(), POLL_MS);
    listener(now);
    return () => {
      this.#news.off('change', listener);
      if (this.#news.listenerCount('change') === 0) {
        clearInterval(this.#timer);
        this.#timer = undefined;
        this.#current = undefined;
      }
    };
  }

  /** Reads the halt again and tells the listeners if it changed (called by halt and resume here). */
  async changed(): Promise<void> {
    if (this.#reading || this.#news.listenerCount('change') === 0) return;
    this.#reading = true;
    try {
      const now = (await this.read()) ?? null;
      const said = JSON.stringify(now);
      if (said !== this.#current) {
        this.#current = said;
        this.#news.emit('change', now);
      }
    } catch (error) {
      this.log.warn('could not read the halt state (store unreachable?)', { error: errorMessage(error) });
    } finally {
      this.#reading = false;
    }
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#news.removeAllListeners();
  }
}
