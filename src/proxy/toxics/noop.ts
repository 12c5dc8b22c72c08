import { z } from 'zod';
import type { AttributesOf, LinkToxicDefinition, Toxic, ToxicContext } from './toxic.js';

type Attributes = AttributesOf<'noop'>;

const schema = z.strictObject({ type: z.literal('noop') });

/** Passes every chunk on untouched: Toxiproxy's `noop`, which its clients may add like any toxic. */
class Noop implements Toxic {
  constructor(private readonly ctx: ToxicContext) {}

  write(chunk: Buffer): void {
    this.ctx.push(chunk);
  }
}

export const noop: LinkToxicDefinition<Attributes> = {
  type: 'noop',
  kind: 'link',
  schema,
  create: (_attributes, ctx) => new Noop(ctx),
};
