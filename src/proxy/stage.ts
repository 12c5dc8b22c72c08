import type { Toxic, ToxicContext } from './toxics/toxic.js';

/** Where a chunk goes next: a toxic of the chain, or the destination socket. */
export interface Outlet {
  write(chunk: Buffer): void;
  end(): void;
}

/** What a toxic may do to the whole connection its link belongs to. */
export interface ConnectionControl {
  close(): void;
  reset(): void;
}

/** One toxic of one connection on one link; `key` orders the chain. */
export class Stage implements Outlet {
  next!: Outlet;
  toxic!: Toxic;
  /** Out of the chain: whatever it still tries to push is a bug, not data. */
  left = false;
  onLeave: (() => void) | undefined;

  constructor(
    readonly key: number,
    readonly ctx: ToxicContext,
  ) {}

  write(chunk: Buffer): void {
    this.toxic.write(chunk);
  }

  end(): void {
    if (this.toxic.end) this.toxic.end();
    else this.next.end();
  }
}
