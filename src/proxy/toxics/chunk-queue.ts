import { Fifo } from '../fifo.js';
import { wakeAfter } from './wake.js';
import type { Wake } from './wake.js';

/** Where a queue hands data on: the toxic's context. */
export interface QueueOutlet {
  push(chunk: Buffer): void;
  end(): void;
}

/**
 * The paced queue of the bandwidth and slicer toxics. Chunks are held in arrival order; the
 * toxic's `step` hands on what it may now (`send`, whole chunks or pieces of the first one) and
 * answers how long to wait before the next step — under 1 ms means the next turn of the event
 * loop, which still sends each piece in a write of its own. The end of the stream (FIN) leaves
 * after the last byte held. Nothing is dropped or reordered: `flush` hands on everything at once.
 *
 *   write ──▶ [ chunk │ chunk │ … ] ──step → send(n)──▶ out.push      end ──▶ out.end, once empty
 */
export class ChunkQueue {
  private readonly chunks = new Fifo<Buffer>();
  /** Bytes of the first chunk already handed on. */
  private offset = 0;
  private wake: Wake | undefined;
  private ending = false;
  private ended = false;
  private stopped = false;

  constructor(
    private readonly out: QueueOutlet,
    private readonly step: () => number,
  ) {}

  /** Bytes of the first chunk not handed on yet; 0 when nothing is held. */
  get headBytes(): number {
    const head = this.chunks.peek();
    return head ? head.length - this.offset : 0;
  }

  /** Holds the chunk; a queue that was idle steps at once. */
  write(chunk: Buffer): void {
    this.chunks.push(chunk);
    if (!this.wake && !this.stopped) this.run();
  }

  end(): void {
    this.ending = true;
    this.endIfDrained();
  }

  /** Hands on up to `bytes` (at least one) of the first chunk; answers how many went. */
  send(bytes: number): number {
    const head = this.chunks.peek();
    if (!head) return 0;
    const end = Math.min(head.length, this.offset + Math.max(1, bytes));
    const sent = end - this.offset;
    this.out.push(this.offset === 0 && end === head.length ? head : head.subarray(this.offset, end));
    if (end === head.length) {
      this.chunks.shift();
      this.offset = 0;
    } else {
      this.offset = end;
    }
    return sent;
  }

  /** The toxic is going away: everything held now, in order, then the FIN if it came. */
  flush(): void {
    this.clearTimer();
    for (let chunk = this.chunks.shift(); chunk; chunk = this.chunks.shift()) {
      this.out.push(this.offset > 0 ? chunk.subarray(this.offset) : chunk);
      this.offset = 0;
    }
    this.endIfDrained();
  }

  /** The connection is gone or the toxic left: no more steps. */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private readonly run = (): void => {
    this.wake = undefined;
    const wait = this.step();
    if (this.chunks.length === 0) return this.endIfDrained();
    if (this.stopped) return;
    this.wake = wakeAfter(wait, this.run);
  };

  private clearTimer(): void {
    this.wake?.cancel();
    this.wake = undefined;
  }

  private endIfDrained(): void {
    if (!this.ending || this.ended || this.chunks.length > 0) return;
    this.ended = true;
    this.out.end();
  }
}
