import { z } from 'zod';
import { byteCount } from './fields.js';
import type { AttributesOf, LinkToxicDefinition, Toxic, ToxicContext } from './toxic.js';

type Attributes = AttributesOf<'limit-data'>;

const schema = z.strictObject({ type: z.literal('limit-data'), bytes: byteCount(0) });

/**
 * Lets exactly `bytes` through (counted from when the toxic met the connection), then closes the
 * connection gracefully: what was let through still arrives, followed by FIN.
 */
class LimitData implements Toxic {
  private passed = 0;
  private closed = false;

  constructor(
    private attributes: Attributes,
    private readonly ctx: ToxicContext,
  ) {}

  write(chunk: Buffer): void {
    if (this.closed) return this.ctx.dropped(chunk.length);
    const room = this.attributes.bytes - this.passed;
    if (chunk.length < room) {
      this.passed += chunk.length;
      return this.ctx.push(chunk);
    }
    if (room > 0) this.ctx.push(chunk.subarray(0, room));
    this.ctx.dropped(chunk.length - Math.max(0, room));
    this.passed += Math.max(0, room);
    this.closed = true;
    this.ctx.close();
  }

  /** A higher limit lets more through from where the count stands. */
  update(attributes: Attributes): void {
    this.attributes = attributes;
  }
}

export const limitData: LinkToxicDefinition<Attributes> = {
  type: 'limit-data',
  kind: 'link',
  schema,
  create: (attributes, ctx) => new LimitData(attributes, ctx),
};
