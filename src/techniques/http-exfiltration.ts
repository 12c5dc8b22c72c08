import type * as Crypto from 'node:crypto';
import { z } from 'zod';
import { UserError, errorMessage } from '../errors.js';
import { lazy } from '../util/lazy-builtin.js';
import { addressUrl } from './support/addresses.js';
import { connects } from './support/connect.js';
import type { Technique } from './technique.js';

const { randomBytes } = lazy<typeof Crypto>('node:crypto');

const params = z.strictObject({
  url: addressUrl('the sink the canary is POSTed to (a host the host allows, allow.json "hosts")'),
  bytes: z
    .int()
    .min(64)
    .max(1 << 20)
    .default(4096)
    .describe('the size of the canary document sent'),
  timeout: z.int().min(100).max(30_000).default(5000).describe('how long the POST may take, ms'),
});

type Params = z.output<typeof params>;
type State = { status: number; bytes: number };

/**
 * T1048.003: exfiltration over an unencrypted web protocol — a canary document (the drill's
 * tag, then random filler: no real data) POSTed to the sink the drill names. Nothing is left on
 * this host; what reached the sink is the sink's to keep or drop.
 */
export const httpExfiltration: Technique<Params, State> = {
  name: 'http-exfiltration',
  summary: 'T1048.003 Exfiltration Over Unencrypted Non-C2 Protocol — a tagged canary document POSTed to the sink you name.',
  attack: {
    id: 'T1048.003',
    name: 'Exfiltration Over Alternative Protocol: Exfiltration Over Unencrypted Non-C2 Protocol',
    touches: 'nothing on the host: one HTTP POST of a canary document',
    prerequisites: 'the sink is in the host allow-list (allow.json "hosts")',
    telemetry: ['an outbound POST to an unusual destination (proxy, flow logs)', 'the canary marker in the body (DLP, IDS content rules)'],
  },
  targetKind: 'host',
  params,
  reversible: true,

  /** Contained: this host can no longer open a connection to the sink (the destination is blocked). */
  async contained(ctx) {
    const url = new URL(ctx.params.url);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return (await connects(host, port, Math.min(ctx.params.timeout, 2000)))
      ? { ok: false, detail: `this host still reaches the sink ${url.host}` }
      : { ok: true, detail: `this host can no longer reach the sink ${url.host}` };
  },

  async inject(ctx) {
    const head = `FIREDRILL-CANARY ${ctx.tag} (T1048.003): not real data\n`;
    const filler = randomBytes(ctx.params.bytes)
      .toString('base64')
      .slice(0, Math.max(0, ctx.params.bytes - Buffer.byteLength(head)));
    const body = Buffer.from(head + filler);
    let status: number;
    try {
      const response = await fetch(ctx.params.url, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'x-firedrill-tag': ctx.tag },
        body,
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.params.timeout)]),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      throw new UserError('FD_SINK_UNREACHABLE', `the canary could not be sent to ${ctx.params.url}: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    return { status, bytes: body.length };
  },

  revert: () => Promise.resolve(), // Sent is sent: nothing was left on this host.

  verify(_ctx, state) {
    return Promise.resolve({
      ok: true,
      detail: `nothing left on this host (${state ? `${state.bytes} bytes sent, the sink answered ${state.status}` : 'the canary'})`,
    });
  },
};
