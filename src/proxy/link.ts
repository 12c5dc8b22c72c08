import type { Socket } from 'node:net';
import type { ConnectionControl, Outlet } from './stage.js';
import { Stage } from './stage.js';
import type { Direction, ToxicContext } from './toxics/toxic.js';

/**
 * Bytes a toxic path may hold (read from the source, not yet written to the destination) before
 * the source is paused: a bandwidth-delay product of 10 MB/s × 100 ms.
 */
const HIGH_WATER_MARK = 1024 * 1024;

const ignore = (): void => undefined;

/**
 * One direction of a proxied connection. With no toxic it is the direct path: each chunk is
 * written as it arrives, the source paused while the destination is full — what `src.pipe(dst)`
 * does, in one listener that stays put when toxics come and go (unpipe/pipe would churn
 * listeners and the readable's flowing state in the middle of traffic). With toxics, chunks go
 * through the chain in the order the toxics were added; the link counts the bytes inside it and
 * pauses the source above HIGH_WATER_MARK or while the destination is full.
 */
export class Link {
  private head: Stage | undefined;
  private inFlight = 0;
  private discarding = false;

  private readonly sink: Outlet = {
    write: (chunk) => {
      this.inFlight -= chunk.length;
      if (this.dst.writableEnded || this.dst.destroyed) return;
      this.dst.write(chunk);
      this.throttle();
    },
    end: () => {
      if (!this.dst.writableEnded) this.dst.end();
    },
  };

  constructor(
    readonly direction: Direction,
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly control: ConnectionControl,
  ) {}

  start(): void {
    this.src.on('data', this.onData);
    this.src.on('end', this.onEnd);
    this.dst.on('drain', this.throttle);
    // Accepted sockets start paused (pauseOnConnect), and a 'data' listener does not resume those.
    this.src.resume();
  }

  private readonly onData = (chunk: Buffer): void => {
    const head = this.head;
    if (head === undefined) {
      if (!this.dst.write(chunk)) this.src.pause();
      return;
    }
    this.inFlight += chunk.length;
    this.guard(() => head.write(chunk));
    this.throttle();
  };

  private readonly onEnd = (): void => {
    this.guard(() => (this.head ?? this.sink).end());
  };

  /**
   * A toxic that throws (a bug) costs its connection, never the agent: the agent holds the
   * leases of every other fault, and an uncaught exception would take them all down.
   */
  private guard(step: () => void): void {
    try {
      step();
    } catch {
      this.control.reset();
    }
  }

  private readonly throttle = (): void => {
    const hold = !this.discarding && (this.inFlight >= HIGH_WATER_MARK || this.dst.writableNeedDrain);
    if (hold !== this.src.isPaused()) {
      if (hold) this.src.pause();
      else this.src.resume();
    }
  };

  /** A stage for this link, not yet in the chain; its toxic is created with `stage.ctx`. */
  stage(key: number): Stage {
    const ctx: ToxicContext = {
      direction: this.direction,
      push: (chunk) => (stage.left ? this.release(chunk.length) : stage.next.write(chunk)),
      end: () => {
        if (!stage.left) stage.next.end();
      },
      dropped: this.release,
      injected: (bytes) => {
        this.inFlight += bytes;
      },
      close: () => this.control.close(),
      reset: () => this.control.reset(),
      retired: () => this.unlink(stage),
    };
    const stage = new Stage(key, ctx);
    return stage;
  }

  /**
   * Puts a stage in the chain at its key: from now on every chunk read goes through it, on this
   * connection that is already open. Among equal keys (a toxic replacing the one it updates) it
   * goes before, or after with `afterEqual`.
   */
  insert(stage: Stage, afterEqual = false): void {
    if (this.discarding) return stage.toxic.stop?.();
    let previous: Stage | undefined;
    let current = this.head;
    while (current && (current.key < stage.key || (afterEqual && current.key === stage.key))) {
      previous = current;
      current = current.next instanceof Stage ? current.next : undefined;
    }
    stage.next = current ?? this.sink;
    if (previous) previous.next = stage;
    else this.head = stage;
  }

  /**
   * Takes a stage out: it first hands on everything it holds, in order, so nothing in flight is
   * lost; resolves when it has left the chain. The last one out returns the link to the direct path.
   */
  retire(stage: Stage): Promise<void> {
    if (stage.left) return Promise.resolve();
    return new Promise((resolve) => {
      stage.onLeave = resolve;
      if (stage.toxic.flush?.() !== 'later') this.unlink(stage);
    });
  }

  /** The connection is closing: toxics stop, data still read is dropped, the sources keep flowing. */
  discard(): void {
    if (this.discarding) return;
    this.discarding = true;
    this.src.off('data', this.onData);
    this.src.off('end', this.onEnd);
    this.src.on('data', ignore);
    for (let stage = this.head; stage; stage = stage.next instanceof Stage ? stage.next : undefined) this.leave(stage);
    this.head = undefined;
    this.inFlight = 0;
    this.src.resume();
  }

  private readonly release = (bytes: number): void => {
    this.inFlight -= bytes;
    this.throttle();
  };

  private unlink(stage: Stage): void {
    if (stage.left) return;
    let previous: Stage | undefined;
    for (let current = this.head; current && current !== stage; current = current.next instanceof Stage ? current.next : undefined) {
      previous = current;
    }
    const next = stage.next instanceof Stage ? stage.next : undefined;
    if (previous) previous.next = stage.next;
    else if (this.head === stage) this.head = next;
    this.leave(stage);
    // Everything held was handed on: an empty chain means nothing is in flight any more.
    if (!this.head) this.inFlight = 0;
    this.throttle();
  }

  private leave(stage: Stage): void {
    stage.left = true;
    stage.toxic.stop?.();
    stage.onLeave?.();
  }
}
