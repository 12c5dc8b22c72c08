import { performance } from 'node:perf_hooks';
import { Fifo } from '../fifo.js';
import { wakeAfter } from './wake.js';
import type { Wake } from './wake.js';

export interface Outlet {
  push(chunk: Buffer): void;
  end(): void;
}

/** `null` stands for the end of the stream (FIN), which waits its turn like data. */
interface Item {
  readonly chunk: Buffer | null;
  readonly at: number;
}

export const now = (): number => performance.now();

/**
 * Releases chunks at given times, in the order they were added: an item is never released before
 * the one added before it, so jitter can lengthen a delay but never reorder data.
 */
export class TimedQueue {
  private readonly items = new Fifo<Item>();
  private last = 0;
  private wake: Wake | undefined;
  private ended = false;

  constructor(private readonly out: Outlet) {}

  get empty(): boolean {
    return this.items.length === 0;
  }

  /** Releases `chunk` at `at` (a `now()` time), or later if something added before is still held. */
  add(chunk: Buffer, at: number): void {
    this.enqueue(chunk, at);
  }

  /** Releases the end of the stream at `at`, after everything added before. */
  addEnd(at: number): void {
    this.enqueue(null, at);
  }

  /** Releases everything now, in order: the toxic is going away. */
  flush(): void {
    this.clearTimer();
    for (let item = this.items.shift(); item; item = this.items.shift()) this.release(item);
  }

  /** Forgets everything: the connection is gone. */
  stop(): void {
    this.clearTimer();
    this.items.clear();
  }

  private enqueue(chunk: Buffer | null, at: number): void {
    const due = Math.max(at, this.last);
    this.last = due;
    if (this.items.length === 0 && due <= now()) {
      this.release({ chunk, at: due });
      return;
    }
    this.items.push({ chunk, at: due });
    if (this.items.length === 1) this.arm(due);
  }

  private readonly pump = (): void => {
    this.wake = undefined;
    const t = now();
    for (let item = this.items.peek(); item; item = this.items.peek()) {
      // A timer may fire up to a millisecond early (libuv counts whole milliseconds from a
      // cached loop time): wait again rather than release a chunk before its delay, which is
      // the toxic's promise.
      if (item.at > t) return this.arm(item.at);
      this.items.shift();
      this.release(item);
    }
  };

  /**
   * Waits until `at`. The last fraction of a millisecond, left when a timer fired early, is
   * waited on the next turns of the event loop when one chunk is held (an answer: a 1 ms timer
   * would make it 1 to 2 ms late); a queue of chunks (a stream) waits on the timer and releases
   * in batches, which keeps the CPU idle between them.
   */
  private arm(at: number): void {
    this.clearTimer();
    const wait = at - now();
    this.wake = wakeAfter(wait >= 1 ? Math.ceil(wait) : this.items.length > 1 ? 1 : 0, this.pump);
  }

  private clearTimer(): void {
    this.wake?.cancel();
    this.wake = undefined;
  }

  private release(item: Item): void {
    if (item.chunk) {
      this.out.push(item.chunk);
    } else if (!this.ended) {
      this.ended = true;
      this.out.end();
    }
  }
}
