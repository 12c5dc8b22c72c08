import { z } from 'zod';
import { ChunkQueue } from './chunk-queue.js';
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
  private readonly queue: ChunkQueue;
  private tokens: number;
  private refilledAt = now();

  constructor(
    private attributes: Attributes,
    ctx: ToxicContext,
  ) {
    this.tokens = this.burst();
    this.queue = new ChunkQueue(ctx, this.pump);
  }

  write(chunk: Buffer): void {
    this.queue.write(chunk);
  }

  end(): void {
    this.queue.end();
  }

  flush(): undefined {
    this.queue.flush();
    return undefined;
  }

  stop(): void {
    this.queue.stop();
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

  /** Sends what the tokens allow; answers the wait until a whole burst (or the rest of the chunk) is allowed. */
  private readonly pump = (): number => {
    const t = now();
    this.tokens = Math.min(this.burst(), this.tokens + (t - this.refilledAt) * this.rate());
    this.refilledAt = t;
    for (let left = this.queue.headBytes; left > 0; left = this.queue.headBytes) {
      const take = Math.min(Math.floor(this.tokens), left);
      if (take < 1) break;
      this.tokens -= this.queue.send(take);
    }
    const left = this.queue.headBytes;
    // Fewer, larger sends than byte by byte.
    const wanted = Math.min(left, this.burst()) - this.tokens;
    return Math.max(1, Math.ceil(wanted / this.rate()));
  };
}

export const bandwidth: LinkToxicDefinition<Attributes> = {
  type: 'bandwidth',
  kind: 'link',
  schema,
  create: (attributes, ctx) => new Bandwidth(attributes, ctx),
};
