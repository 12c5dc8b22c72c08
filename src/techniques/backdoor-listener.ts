import type * as Net from 'node:net';
import { z } from 'zod';
import { UserError } from '../errors.js';
import type { SweepableFault } from '../engine/fault.js';
import { lazy } from '../util/lazy-builtin.js';
import { maxDurationParam } from '../faults/support/params.js';
import { findWorkers, spawnWorker, stopWorkers, sweepWorkers, workerDeadline } from '../faults/support/workers.js';
import type { Technique } from './technique.js';

const { createConnection, createServer } = lazy<typeof Net>('node:net');

const params = z.strictObject({
  port: z.int().min(1024).max(65535).describe('the port it listens on (1024–65535; it must be free, and allowed by the host)'),
  address: z
    .union([z.literal('127.0.0.1'), z.literal('0.0.0.0'), z.literal('::1'), z.literal('::')])
    .default('127.0.0.1')
    .describe('where it listens: loopback by default; 0.0.0.0 exposes it to the network the drill is about'),
  banner: z.string().min(1).max(200).default('SSH-2.0-OpenSSH_8.4p1').describe('what it answers to every connection, then it hangs up'),
  maxDuration: maxDurationParam(),
});

type Params = z.output<typeof params>;
type State = { pids: number[]; port: number; address: string };

/** argv: tag, deadline, port, address, banner. Answers each connection with the banner (and the tag), then closes it. */
const SCRIPT = `
const [tagFlag, deadline, port, address, banner] = process.argv.slice(1);
const tag = tagFlag.split('=')[1];
const server = require('node:net').createServer((socket) => {
  socket.on('error', () => {}); // a client gone at once (a scanner's connect-and-reset) must not take the listener down
  socket.end(banner + '\\r\\n# firedrill ' + tag + '\\r\\n');
});
server.on('error', (error) => { process.stderr.write(String(error.code)); process.exit(3); });
server.listen(Number(port), address, () => process.stdout.write('ready'));
setInterval(() => { if (Date.now() >= Number(deadline)) process.exit(0); }, 1000).unref();
`;

/**
 * T1571 / T1205: a backdoor listener — a process listening on a port and answering a banner, as
 * an implant's bind shell would (it runs nothing). Its argv carries the tag and a deadline, so it
 * is found again after a crash and exits on its own even if nobody is left to stop it.
 */
export const backdoorListener: Technique<Params, State> & SweepableFault = {
  name: 'backdoor-listener',
  summary: 'T1571 Non-Standard Port — a tagged process listening on a port, answering a banner (it runs nothing); killed on revert.',
  attack: {
    id: 'T1571',
    name: 'Non-Standard Port',
    touches: 'one process listening on the port (nothing on disk)',
    prerequisites: 'the port is free, and allowed by the host (allow.json "ports")',
    telemetry: ['a new listening socket (ss -ltnp, a host EDR, a network scan)', 'connections to the port in the firewall or flow logs'],
  },
  targetKind: 'host',
  params,
  reversible: true,

  async inject(ctx) {
    const { port, address, banner } = ctx.params;
    await assertFree(port, address);
    const deadline = workerDeadline(ctx, ctx.params.maxDuration);
    const pid = await spawnWorker(ctx, SCRIPT, deadline, [port, address, banner], { waitReady: true });
    return { pids: [pid], port, address };
  },

  async revert(ctx, state) {
    await stopWorkers(ctx.tag, state?.pids);
  },

  async verify(ctx, state) {
    const left = findWorkers(ctx.tag).map((info) => info.pid);
    if (left.length > 0) return { ok: false, detail: `the listener still runs: pid ${left.join(', ')}` };
    const port = state?.port ?? ctx.params.port;
    const address = state?.address ?? ctx.params.address;
    const answer = await knock(port, address);
    if (answer?.includes(ctx.tag)) return { ok: false, detail: `the drill's listener still answers on ${address}:${port}` };
    // The port is free again: another program may take it at once; only the drill's banner counts.
    if (answer !== undefined)
      return { ok: true, detail: `no listener of the drill runs; another program now answers on ${address}:${port}` };
    return { ok: true, detail: `no listener of the drill runs, and nothing answers on ${address}:${port}` };
  },

  /** Contained: a new connection no longer reaches the drill's listener (killed, or its port blocked). */
  async contained(ctx, state) {
    const port = state?.port ?? ctx.params.port;
    const address = state?.address ?? ctx.params.address;
    const answer = await knock(port, address);
    // Accepted but silent: the listener may only be slow (a loaded host) — not contained on that alone.
    if (answer === '') return { ok: false, detail: `${address}:${port} accepts connections but said nothing within a second` };
    return answer?.includes(ctx.tag)
      ? { ok: false, detail: `the drill's listener still answers on ${address}:${port}` }
      : { ok: true, detail: `a new connection to ${address}:${port} no longer reaches the drill's listener` };
  },

  sweep: (scope) => sweepWorkers(SCRIPT, 'backdoor listener', scope),
};

/** Refuses a port in use: the technique never takes over a real service's port. */
async function assertFree(port: number, address: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new UserError(
          'FD_PORT_IN_USE',
          `${address}:${port} cannot be listened on (${error.code ?? error.message}): a technique never takes a port in use`,
        ),
      ),
    );
    probe.listen(port, address, () => probe.close(() => resolve()));
  });
}

/**
 * What answers on the port within a second (its first bytes; '' when it accepted the connection
 * but said nothing yet), or undefined when no connection was made (refused, dropped, unreachable).
 */
async function knock(port: number, address: string): Promise<string | undefined> {
  const host = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address;
  return new Promise((resolve) => {
    const socket = createConnection({ port, host, timeout: 1000 });
    let connected = false;
    let got = '';
    const done = () => {
      socket.destroy();
      resolve(connected ? got : undefined);
    };
    socket.once('connect', () => (connected = true));
    socket.on('data', (chunk: Buffer) => (got += chunk.toString('latin1')));
    socket.once('end', done);
    socket.once('timeout', done);
    socket.once('error', () => resolve(got === '' ? undefined : got));
  });
}
