import { z } from 'zod';
import { milliseconds } from './fields.js';
import type { AttributesOf, LinkToxicDefinition, Toxic, ToxicContext } from './toxic.js';

type Attributes = AttributesOf<'reset'>;

const schema = z.strictObject({ type: z.literal('reset'), delayMs: milliseconds().default(0) });

/**
 * Resets the connection (RST both ways) `delayMs` after meeting it (Toxiproxy's `reset_peer`);
 * data passes untouched until then. Even a zero delay waits for a timer: the reset must not run
 * inside the connection set-up or the toxic's own insertion.
 */
class Reset implements Toxic {
  private readonly timer: NodeJS.Timeout;

  constructor(
    attributes: Attributes,
    private readonly ctx: ToxicContext,
  ) {
    this.timer = setTimeout(() => ctx.reset(), attributes.delayMs);
  }

  write(chunk: Buffer): void {
    this.ctx.push(chunk);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

export const reset: LinkToxicDefinition<Attributes> = {
  type: 'reset',
  kind: 'link',
  schema,
  create: (attributes, ctx) => new Reset(attributes, ctx),
};
