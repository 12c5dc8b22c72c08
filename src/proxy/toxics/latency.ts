import { z } from 'zod';
import { milliseconds } from './fields.js';
import { TimedQueue, now } from './timed-queue.js';
import type { AttributesOf, LinkToxicDefinition, Toxic, ToxicContext } from './toxic.js';

type Attributes = AttributesOf<'latency'>;

const schema = z.strictObject({
  type: z.literal('latency'),
  latencyMs: milliseconds(),
  jitterMs: milliseconds().default(0),
});

/**
 * Delays every chunk by latencyMs ± jitterMs. A chunk never overtakes the one before it, so a
 * negative jitter draw only shortens the wait down to the previous chunk's release. FIN waits its
 * turn like data.
 */
class Latency implements Toxic {
  private readonly queue: TimedQueue;

  constructor(
    private attributes: Attributes,
    ctx: ToxicContext,
  ) {
    this.queue = new TimedQueue(ctx);
  }

  write(chunk: Buffer): void {
    this.queue.add(chunk, now() + this.delay());
  }

  end(): void {
    this.queue.addEnd(now() + this.delay());
  }

  flush(): undefined {
    this.queue.flush();
    return undefined;
  }

  stop(): void {
    this.queue.stop();
  }

  /** Held chunks keep their release time; the new delay applies to chunks that arrive from now. */
  update(attributes: Attributes): void {
    this.attributes = attributes;
  }

  private delay(): number {
    const { latencyMs, jitterMs } = this.attributes;
    return Math.max(0, latencyMs + (Math.random() * 2 - 1) * jitterMs);
  }
}

export const latency: LinkToxicDefinition<Attributes> = {
  type: 'latency',
  kind: 'link',
  schema,
  create: (attributes, ctx) => new Latency(attributes, ctx),
};
