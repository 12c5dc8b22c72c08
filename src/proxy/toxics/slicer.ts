import { z } from 'zod';
import { ChunkQueue } from './chunk-queue.js';
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
  private readonly queue: ChunkQueue;

  constructor(
    private attributes: Attributes,
    ctx: ToxicContext,
  ) {
    this.queue = new ChunkQueue(ctx, this.slice);
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
  }

  /** Sends one slice; the next one waits `delayUs`. */
  private readonly slice = (): number => {
    const { averageSize, sizeVariation, delayUs } = this.attributes;
    this.queue.send(averageSize + Math.round((Math.random() * 2 - 1) * sizeVariation));
    return delayUs / 1000;
  };
}

export const slicer: LinkToxicDefinition<Attributes> = {
  type: 'slicer',
  kind: 'link',
  schema,
  create: (attributes, ctx) => new Slicer(attributes, ctx),
};
