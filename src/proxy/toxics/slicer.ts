import { z } from 'zod';
import { Fifo } from '../fifo.js';
import { byteCount } from './fields.js';
import type { AttributesOf, LinkToxicDefinition, Toxic, ToxicContext } from './toxic.js';

type Attributes = AttributesOf<'slicer'>;

const schema = z
  .strictObject({
    type: z.literal('slicer'),
    averageSize: byteCount(1),
    sizeVariation: byteCount(0).default(0),
    delayUs: z
      .number({ error: 'must be a number of microseconds' })
      .min(0, { error: 'must be 0 or more microseconds' })
      .max(60_000_000, { error: 'must be at most 60000000 µs (a minute)' })
      .default(0),
  })
  .refine((a) => a.sizeVariation < a.averageSize, {
    error: 'must be smaller than averageSize',
    path: ['sizeVariation'],
  });

/**
 * Cuts chunks into slices of averageSize ± sizeVariation bytes, `delayUs` apart. Node timers
 * count whole milliseconds: a delay under 1 ms waits for the next turn of the event loop instead,
 * which still sends every slice in a write of its own.
 */
class Slicer implements Toxic {
  private readonly queue = new Fifo<Buffer>();
  private offset = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private ending = false;
  private ended = false;

  constructor(
    private attributes: Attributes,
    private readonly ctx: ToxicContext,
  ) {}

  write(chunk: Buffer): void {
    this.queue.push(chunk);
    if (!this.timer) this.next();
  }

  end(): void {
    this.ending = true;
    this.endWhenEmpty();
  }

  flush(): undefined {
    this.stop();
    for (let chunk = this.queue.shift(); chunk; chunk = this.queue.shift()) {
      this.ctx.push(this.offset > 0 ? chunk.subarray(this.offset) : chunk);
      this.offset = 0;
    }
    this.endWhenEmpty();
    return undefined;
  }

  stop(): void {
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.timer = undefined;
  }

  update(attributes: Attributes): void {
    this.attributes = attributes;
  }

  /** Sends one slice, then waits before the next one. */
  private readonly next = (): void => {
    this.timer = undefined;
    const head = this.queue.peek();
    if (!head) return this.endWhenEmpty();
    const { averageSize, sizeVariation, delayUs } = this.attributes;
    const size = Math.max(1, averageSize + Math.round((Math.random() * 2 - 1) * sizeVariation));
    const end = Math.min(head.length, this.offset + size);
    this.ctx.push(head.subarray(this.offset, end));
    if (end === head.length) {
      this.queue.shift();
      this.offset = 0;
    } else {
      this.offset = end;
    }
    if (this.queue.length === 0) return this.endWhenEmpty();
    this.timer = delayUs >= 1000 ? setTimeout(this.next, delayUs / 1000) : setImmediate(this.next);
  };

  private endWhenEmpty(): void {
    if (!this.ending || this.ended || this.queue.length > 0) return;
    this.ended = true;
    this.ctx.end();
  }
}

export const slicer: LinkToxicDefinition<Attributes> = {
  type: 'slicer',
  kind: 'link',
  schema,
  create: (attributes, ctx) => new Slicer(attributes, ctx),
};
