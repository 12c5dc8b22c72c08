import { z } from 'zod';
import { milliseconds } from './fields.js';
import type { AttributesOf, LinkToxicDefinition, Toxic, ToxicContext } from './toxic.js';

type Attributes = AttributesOf<'slow-close'>;

const schema = z.strictObject({ type: z.literal('slow-close'), delayMs: milliseconds() });

/** Holds the FIN for `delayMs`; data passes untouched. Removing the toxic sends a held FIN at once. */
class SlowClose implements Toxic {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private attributes: Attributes,
    private readonly ctx: ToxicContext,
  ) {}

  write(chunk: Buffer): void {
    this.ctx.push(chunk);
  }

  end(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.ctx.end();
    }, this.attributes.delayMs);
  }

  flush(): undefined {
    if (this.timer) {
      this.stop();
      this.ctx.end();
    }
    return undefined;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A FIN already held keeps its deadline. */
  update(attributes: Attributes): void {
    this.attributes = attributes;
  }
}

export const slowClose: LinkToxicDefinition<Attributes> = {
  type: 'slow-close',
  kind: 'link',
  schema,
  create: (attributes, ctx) => new SlowClose(attributes, ctx),
};
