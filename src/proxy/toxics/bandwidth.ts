import { z } from 'zod';
import { Fifo } from '../fifo.js';
import { now } from './timed-queue.js';
import type { AttributesOf, LinkToxicDefinition, Toxic, ToxicContext } from './toxic.js';

type Attributes = AttributesOf<'bandwidth'>;

const schema = z.strictObject({
  type: z.literal('bandwidth'),
  rateKBps: z
    .number({ error: 'must be a rate in KB/s' })
    .gt(0, { error: 'must be greater than 0 KB/s (use a blackhole to stop traffic)' })
    .max(10_000_000, { error: 'must be at most 10000000 KB/s' }),
});

/** The bucket holds 20 ms worth of tokens: bursts stay short and sends happen every ~20 ms. */
const BURST_MS = 20;

/**
 * A token bucket: `rateKBps` KB (1000 bytes) per second. Chunks larger than what the bucket
 * allows are split, so a 1 MB chunk trickles out instead of leaving in one burst after a long
 * wait. FIN leaves after the data queued before it.
 */
class Bandwidth implements Toxic {
  private readonly queue = new Fifo<Buffer>();
  private tokens: number;
  private refilledAt = now();
  /** Bytes of the queue's first chunk already sent. */
  private offset = 0;
  private timer: NodeJS.Timeout | undefined;
  private ending = false;
  private ended = false;

  constructor(
    private attributes: Attributes,
    private readonly ctx: ToxicContext,
  ) {
    this.tokens = this.burst();
  }

  write(chunk: Buffer): void {
    this.queue.push(chunk);
    if (!this.timer) this.pump();
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
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  update(attributes: Attributes): void {
    this.attributes = attributes;
    this.tokens = Math.min(this.tokens, this.burst());
  }

  /** Bytes per millisecond: 1 KB/s is 1 byte/ms. */
  private rate(): number {
    return this.attributes.rateKBps;
  }

  private burst(): number {
    return Math.max(1, this.rate() * BURST_MS);
  }

  private readonly pump = (): void => {
    this.timer = undefined;
    const t = now();
    this.tokens = Math.min(this.burst(), this.tokens + (t - this.refilledAt) * this.rate());
    this.refilledAt = t;
    for (let head = this.queue.peek(); head; head = this.queue.peek()) {
      const left = head.length - this.offset;
      const take = Math.min(Math.floor(this.tokens), left);
      if (take < 1) break;
      this.tokens -= take;
      if (take === left) {
        this.queue.shift();
        this.ctx.push(this.offset > 0 ? head.subarray(this.offset) : head);
        this.offset = 0;
      } else {
        this.ctx.push(head.subarray(this.offset, this.offset + take));
        this.offset += take;
      }
    }
    const head = this.queue.peek();
    if (!head) return this.endWhenEmpty();
    // Wait for a whole burst (or the rest of the chunk): fewer, larger sends than byte by byte.
    const wanted = Math.min(head.length - this.offset, this.burst()) - this.tokens;
    this.timer = setTimeout(this.pump, Math.max(1, Math.ceil(wanted / this.rate())));
  };

  private endWhenEmpty(): void {
    if (!this.ending || this.ended || this.queue.length > 0) return;
    this.ended = true;
    this.ctx.end();
  }
}

export const bandwidth: LinkToxicDefinition<Attributes> = {
  type: 'bandwidth',
  kind: 'link',
  schema,
  create: (attributes, ctx) => new Bandwidth(attributes, ctx),
};
