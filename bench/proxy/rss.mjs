// 4. RSS: each proxy with its proxies idle, then with 1,000 idle connections through it (one
// round trip each) to the echo server, which holds them — the agent, the node pipe and nginx's
// worker the same way. Once on the fresh agent before the rounds, once after them.
import { Buffer } from 'node:buffer';
import { connect } from 'node:net';
import { median, mib, pollUntil, procRssKiB, round1, sleep, withTimeout, writeResultRow } from '../support.mjs';
import { HOST } from './net.mjs';
import { both, signed } from './table.mjs';

/** RSS idle and loaded of every proxy path, `when` ('fresh', 'after rounds'), into `into`. */
export async function measureRss(s, when, into) {
  const { options } = s;
  for (const path of s.paths.filter((p) => p !== 'direct')) {
    const measured = await rssWithConnections({
      pids: s.rssPids(path),
      port: s.ports[path].echo,
      count: options.connections,
      size: options.size,
      proxyConnections: path === 'firedrill' ? s.agentConnections : undefined,
      problems: s.problems,
    });
    into.push({ when, path, ...measured });
    console.error(
      `rss ${when} ${path}: idle ${mib(measured.idleKiB)} MiB, +${options.connections} connections ${mib(measured.diffKiB)} MiB`,
    );
  }
}

/** RSS of `pids` (KiB, summed) idle, then with `count` idle connections through the path. */
async function rssWithConnections({ pids, port, count, size, proxyConnections, problems }) {
  const idleKiB = await sampleRss(pids);
  const sockets = [];
  const payload = Buffer.alloc(size, 0x65);
  /** One connection through the path, one round trip on it, then left open. */
  const openOne = () =>
    withTimeout(
      new Promise((resolve, reject) => {
        const socket = connect({ host: HOST, port, noDelay: true });
        sockets.push(socket);
        let got = 0;
        socket.once('connect', () => socket.write(payload));
        socket.on('data', (chunk) => {
          got += chunk.length;
          if (got >= size) resolve();
        });
        socket.once('error', reject);
      }),
      10_000,
      `a round trip through port ${port}`,
    );
  try {
    for (let opened = 0; opened < count; opened += 50) {
      await Promise.all(Array.from({ length: Math.min(50, count - opened) }, openOne));
    }
    if (proxyConnections && (await pollUntil(async () => (await proxyConnections()) === count, 10_000, 5)) === undefined) {
      problems.push(`rss: the proxy does not report ${count} connections (it says ${await proxyConnections()})`);
    }
    await sleep(2000); // settle: idle, nothing in flight
    const loadedKiB = await sampleRss(pids);
    return { idleKiB, loadedKiB, diffKiB: loadedKiB - idleKiB };
  } finally {
    for (const socket of sockets) socket.destroy();
    if (proxyConnections && (await pollUntil(async () => (await proxyConnections()) === 0, 10_000, 5)) === undefined) {
      problems.push(`rss: ${await proxyConnections()} proxy connections still open 10 s after the clients closed`);
    }
  }
}

/** Median of 5 samples, 200 ms apart, of the summed VmRSS of `pids` (KiB). */
async function sampleRss(pids) {
  const samples = [];
  for (let i = 0; i < 5; i++) {
    samples.push(pids.reduce((sum, pid) => sum + procRssKiB(pid), 0));
    await sleep(200);
  }
  return median(samples);
}

/** MiB per path and moment: idle, loaded, and the difference (also in MB, the target's unit). */
export function summarizeRss(rows) {
  const rss = {};
  for (const r of rows)
    (rss[r.path] ??= {})[r.when] = {
      idleMiB: mib(r.idleKiB),
      loadedMiB: mib(r.loadedKiB),
      diffMiB: mib(r.diffKiB),
      diffMB: round1((r.diffKiB * 1024) / 1e6),
    };
  return rss;
}

/** The target (issue 4): ≤ 64 MB above idle with the connections open, fresh and after the rounds. */
export const rssWithin64MB = (rss) =>
  rss.firedrill?.fresh !== undefined && rss.firedrill.fresh.diffMB <= 64 && (rss.firedrill['after rounds']?.diffMB ?? 0) <= 64;

export function writeRssRow(rss, agentRssMiB, met, t) {
  const n = t.options.connections;
  const fresh = rss.firedrill.fresh;
  const cell = (p, when) => (rss[p]?.[when] ? signed(rss[p][when].diffMiB) : '–');
  writeResultRow({
    ...t.common,
    table: `rss — MiB, idle and with ${n} idle connections`,
    columns: [
      'date',
      'commit',
      'machine',
      'agent alone',
      'agent, proxies idle',
      `agent + ${n} conns (fresh / after rounds)`,
      `nginx worker + ${n} (ref)`,
      `node pipe + ${n} (ref)`,
      '≤ 64 MB above idle',
    ],
    row: [
      ...t.start,
      agentRssMiB.bare,
      fresh.idleMiB,
      `${both(cell('firedrill', 'fresh'), cell('firedrill', 'after rounds'))} (${fresh.diffMB} MB)`,
      cell('nginx', 'fresh'),
      cell('node-pipe', 'fresh'),
      met.rssWithin64MB ? 'yes' : 'no',
    ],
  });
}
