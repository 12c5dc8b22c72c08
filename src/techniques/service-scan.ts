import { z } from 'zod';
import { isAddress } from './support/addresses.js';
import { connects } from './support/connect.js';
import type { Technique } from './technique.js';

/** Connections one scan may try, at most: a drill, not a sweep of a network. */
const MAX_PROBES = 4096;
const CONCURRENCY = 32;

const params = z
  .strictObject({
    hosts: z
      .array(z.string().refine(isAddress, 'an IP address (names are not resolved: what is checked is what is reached)'))
      .min(1)
      .max(16)
      .describe('the hosts to scan (IP addresses the host allows, allow.json "hosts")'),
    ports: z
      .array(z.union([z.int().min(1).max(65535), z.string().regex(/^\d{1,5}-\d{1,5}$/, 'a port or a range like 8000-8100')]))
      .min(1)
      .describe('ports and ranges, e.g. [22, 80, 443, "8000-8100"]'),
    timeout: z.int().min(50).max(5000).default(500).describe('how long each connection attempt may take, ms'),
  })
  .refine((p) => p.ports.every((port) => typeof port === 'number' || rangeOf(port) !== undefined), {
    message: 'a range goes from a port to a larger one, within 1-65535',
    path: ['ports'],
  })
  .refine((p) => p.hosts.length * p.ports.reduce<number>((n, port) => n + (typeof port === 'number' ? 1 : span(port)), 0) <= MAX_PROBES, {
    message: `at most ${MAX_PROBES} connection attempts (hosts × ports)`,
    path: ['ports'],
  });

type Params = z.output<typeof params>;
type State = { attempts: number; open: string[] };

/**
 * T1046: network service discovery — a bounded TCP connect scan of the hosts and ports named
 * (at most 4,096 attempts, 32 at a time). It leaves nothing behind: every connection is closed
 * at once, and its output lists the open ports it found.
 */
export const serviceScan: Technique<Params, State> = {
  name: 'service-scan',
  summary: 'T1046 Network Service Discovery — a bounded TCP connect scan of the hosts and ports named (at most 4,096 attempts).',
  attack: {
    id: 'T1046',
    name: 'Network Service Discovery',
    touches: 'nothing: TCP connections opened and closed at once',
    prerequisites: 'the hosts are in the host allow-list (allow.json "hosts")',
    telemetry: [
      'many connection attempts from one source to many ports (IDS port-scan rules, firewall and flow logs)',
      'refused connections (RST) in a burst',
    ],
  },
  targetKind: 'host',
  params,
  reversible: true,

  async inject(ctx) {
    const ports = expand(ctx.params.ports);
    const probes = ctx.params.hosts.flatMap((host) => ports.map((port) => ({ host, port })));
    const open: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < probes.length && !ctx.signal.aborted) {
        const probe = probes[next++];
        if (probe && (await connects(probe.host, probe.port, ctx.params.timeout))) open.push(`${probe.host}:${probe.port}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, probes.length) }, worker));
    return { attempts: Math.min(next, probes.length), open: open.sort() };
  },

  /** Contained: none of the ports the scan found open accepts a new connection from this host any more (the source is blocked). */
  async contained(ctx, state) {
    const found = state?.open ?? [];
    if (found.length === 0) return { ok: false, detail: 'the scan found no open port: nothing to block' };
    const still = [];
    for (const hostPort of found) {
      const cut = hostPort.lastIndexOf(':');
      if (await connects(hostPort.slice(0, cut), Number(hostPort.slice(cut + 1)), ctx.params.timeout)) still.push(hostPort);
    }
    return still.length === 0
      ? { ok: true, detail: `this host can no longer connect to ${found.join(', ')}` }
      : { ok: false, detail: `this host still connects to ${still.join(', ')}` };
  },

  revert: () => Promise.resolve(), // A scan leaves nothing: every connection was closed as it was made.

  verify(_ctx, state) {
    return Promise.resolve({
      ok: true,
      detail: `a scan leaves nothing behind (${state?.attempts ?? 'its'} connections, each closed at once)`,
    });
  },
};

function rangeOf(range: string): [number, number] | undefined {
  const [from = 0, to = 0] = range.split('-').map(Number);
  return from >= 1 && to <= 65535 && to >= from ? [from, to] : undefined;
}

function span(range: string): number {
  const bounds = rangeOf(range);
  return bounds ? bounds[1] - bounds[0] + 1 : 0;
}

/** Every port named, once (the schema bounded their number). */
function expand(ports: readonly (number | string)[]): number[] {
  const all = ports.flatMap((p) => {
    if (typeof p === 'number') return [p];
    const [from, to] = rangeOf(p) ?? [1, 0];
    return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
  });
  return [...new Set(all)];
}
