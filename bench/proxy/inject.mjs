// 5. inject latency: a connection through the proxy doing 64-byte ping-pong (roles/pinger.mjs,
// a round trip every ~0.3 ms); POST /v1/runs/<id>/faults of a 50 ms `proxy-latency` fault
// (lease renewed first); from sending that call to the moment the first response that carries
// the latency reached the proxy (bounds from the ping-pong's send/receive times, on the same
// CLOCK_MONOTONIC), and the call's own duration; reverted (POST …/revert) before the next
// repetition. Also how long the open connection stalls while the agent serves each call.
// Reference: GET /v1/status.
import { api, percentile, round1, round2, withTimeout, writeResultRow } from '../support.mjs';
import { startHelper, stopHelper } from './helper-process.mjs';
import { both } from './table.mjs';

/** Starts the ping-pong, measures, ends the run; the raw samples (ms). */
export async function measureInject(s) {
  const { options } = s;
  const pinger = await startHelper(
    s.dir,
    'pinger',
    [String(s.ports.firedrill.echo), String(options.size), String(options['ping-gap-us'])],
    { ipc: true },
  );
  s.stops.push(() => stopHelper(pinger));
  const runId = `bench-proxy-${process.pid}`;
  const measured = await injectRepeatedly({ agent: s.agent, pinger, runId, benchProxy: s.benchProxy, options, problems: s.problems });
  await api(s.agent, 'POST', `/v1/runs/${runId}/end`, { reason: 'bench over' });
  const left = (await api(s.agent, 'GET', '/v1/proxies')).proxies.filter((p) => p.toxics.length > 0);
  if (left.length)
    s.problems.push(`toxics left after the run ended: ${JSON.stringify(left.map((p) => [p.name, p.toxics.map((t) => t.id)]))}`);
  return measured;
}

async function injectRepeatedly({ agent, pinger, runId, benchProxy, options, problems }) {
  const latencyMs = options['inject-latency'];
  const latencyUs = latencyMs * 1000;
  const thresholdUs = latencyUs / 2;
  const target = { kind: 'proxy', name: 'bench', listen: benchProxy.listen, upstream: benchProxy.upstream };
  const nowNs = () => process.hrtime.bigint();
  const ms = (a, b) => Number(b - a) / 1e6;
  let windows = 0;
  /** The longest round trip of the ping-pong while [from, to] (ms): the proxy's stall then. */
  const stall = async (from, to) => {
    const id = ++windows;
    const reply = await withTimeout(
      pinger.request({ cmd: 'window', id, from: from.toString(), to: to.toString(), thresholdUs, latencyUs }, (m) => m.window === id),
      5000,
      'the ping-pong to pass a call',
    );
    return reply.maxUs / 1000;
  };
  const timed = async (method, path, body) => {
    const from = nowNs();
    const answer = await api(agent, method, path, body);
    return { answer, from, to: nowNs() };
  };
  const m = {
    activeMs: [],
    lowerMs: [],
    callMs: [],
    revertMs: [],
    statusMs: [],
    stallStatusMs: [],
    stallLeaseMs: [],
    stallInjectMs: [],
    stallRevertMs: [],
  };
  for (let i = 0; i < options.injects; i++) {
    // Nothing held any more: the round trips are fast again (after the previous revert).
    await withTimeout(
      pinger.request({ cmd: 'settle', thresholdUs, need: 200 }, (reply) => reply.settled),
      10_000,
      'the ping-pong to settle',
    );
    const status = await timed('GET', '/v1/status');
    m.statusMs.push(ms(status.from, status.to));
    m.stallStatusMs.push(await stall(status.from, status.to));
    const lease = await timed('POST', `/v1/runs/${runId}/lease`, { ttlMs: 60_000 });
    m.stallLeaseMs.push(await stall(lease.from, lease.to));
    const faultId = `latency-${i}`;
    const inject = await timed('POST', `/v1/runs/${runId}/faults`, {
      faultId,
      step: 'inject-latency',
      type: 'proxy-latency',
      target,
      params: { latency: latencyMs },
      leaseTtlMs: 60_000,
    });
    const found = await withTimeout(
      pinger.request({ cmd: 'find', since: inject.from.toString(), thresholdUs }, (reply) => reply.send !== undefined),
      5000 + latencyMs,
      `a round trip carrying the ${latencyMs} ms latency`,
    );
    // The response of that round trip reached the proxy (and met the toxic) at recv − latency
    // at the latest (the toxic's timer can only be late): an upper bound of "toxic active".
    // Lower bound: the response before it passed undelayed, and that one was sent no earlier.
    const recv = BigInt(found.recv);
    m.activeMs.push(Math.max(0, ms(inject.from, recv) - latencyMs));
    const lower = [BigInt(found.send), found.previousRecv ? BigInt(found.previousRecv) : 0n].reduce((a, b) => (a > b ? a : b));
    m.lowerMs.push(Math.max(0, ms(inject.from, lower)));
    m.callMs.push(ms(inject.from, inject.to));
    m.stallInjectMs.push(await stall(inject.from, inject.to));
    if (found.rttUs > (latencyMs + 20) * 1000)
      problems.push(`inject ${i}: the delayed round trip took ${round1(found.rttUs / 1000)} ms for a ${latencyMs} ms latency`);
    const revert = await timed('POST', `/v1/runs/${runId}/faults/${faultId}/revert`);
    m.revertMs.push(ms(revert.from, revert.to));
    m.stallRevertMs.push(await stall(revert.from, revert.to));
    if (revert.answer.verification?.ok !== true)
      problems.push(`inject ${i}: revert not verified: ${JSON.stringify(revert.answer.verification)}`);
  }
  return { latencyMs, ...m };
}

const spread = (values) => ({ p50: round2(percentile(values, 50)), p95: round2(percentile(values, 95)), max: round2(Math.max(...values)) });

export function summarizeInject(inj) {
  return {
    latencyMs: inj.latencyMs,
    repetitions: inj.activeMs.length,
    activeMs: spread(inj.activeMs),
    activeLowerBoundMs: spread(inj.lowerMs),
    callMs: spread(inj.callMs),
    revertMs: spread(inj.revertMs),
    statusMs: spread(inj.statusMs),
    proxyStallMs: {
      status: spread(inj.stallStatusMs),
      lease: spread(inj.stallLeaseMs),
      inject: spread(inj.stallInjectMs),
      revert: spread(inj.stallRevertMs),
    },
  };
}

export function writeInjectRow(inject, met, t) {
  const st = inject.proxyStallMs;
  writeResultRow({
    ...t.common,
    table: `inject — ${inject.latencyMs} ms proxy-latency on an open connection, ms`,
    columns: [
      'date',
      'commit',
      'machine',
      'repetitions',
      'GET /v1/status (ref)',
      'call → toxic active p50 (≤ / ≥)',
      'p95 (≤)',
      'max (≤)',
      'inject call p50 / p95',
      'revert call p50',
      'open connection stalled during status / lease / inject / revert call (p50)',
      '≤ 5 ms (p50 / p95)',
    ],
    row: [
      ...t.start,
      inject.repetitions,
      inject.statusMs.p50,
      both(inject.activeMs.p50, inject.activeLowerBoundMs.p50),
      inject.activeMs.p95,
      inject.activeMs.max,
      both(inject.callMs.p50, inject.callMs.p95),
      inject.revertMs.p50,
      [st.status.p50, st.lease.p50, st.inject.p50, st.revert.p50].join(' / '),
      both(met.injectWithin5ms ? 'yes' : 'no', met.injectP95Within5ms ? 'yes' : 'no'),
    ],
  });
}
