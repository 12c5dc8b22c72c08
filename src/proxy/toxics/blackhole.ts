import { z } from 'zod';
import { milliseconds } from './fields.js';
import type { AttributesOf, LinkToxicDefinition, Toxic, ToxicContext } from './toxic.js';

type Attributes = AttributesOf<'blackhole'>;

const schema = z.strictObject({ type: z.literal('blackhole'), closeAfterMs: milliseconds().optional() });

/**
 * Drops every chunk (Toxiproxy's `timeout`); closes the connection `closeAfterMs` after meeting
 * it when given. The FIN is not data: it is kept and handed on when the toxic goes, otherwise the
 * peer would wait forever for an end that was swallowed.
 */
class Blackhole implements Toxic {
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    attributes: Attributes,
    private readonly ctx: ToxicContext,
  ) {
    if (attributes.closeAfterMs !== undefined) this.timer = setTimeout(() => ctx.close(), attributes.closeAfterMs);
  }

  write(chunk: Buffer): void {
    this.ctx.dropped(chunk.length);
  }

  end(): void {
    this.ended = true;
  }

  flush(): undefined {
    if (this.ended) this.ctx.end();
    return undefined;
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

export const blackhole: LinkToxicDefinition<Attributes> = {
  type: 'blackhole',
  kind: 'link',
  schema,
  create: (attributes, ctx) => new Blackhole(attributes, ctx),
};
