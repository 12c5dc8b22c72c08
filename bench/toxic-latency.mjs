// Toxic latency: what a latency toxic of 100 ms takes, through the agent's Toxiproxy listener,
// against a bare setTimeout(100) pipe and a direct connection, in the same run, interleaved
// (the order rotates every round). A sample is what Toxiproxy's Ruby client times in its suite:
// connect, send a line, read the answer line, close — the connect included.
//
//   client ──────────────────────────────────────────────────────────────────▶ line server  direct
//   client ──▶ pipe process: a setTimeout(latency) on each answer ──────────▶ line server  reference
//   client ──▶ agent: proxy made through its Toxiproxy API, latency toxic ──▶ line server  firedrill
//              the same with the upstream named `localhost:port` (as the Ruby suite does)  by name
//
// Everything on 127.0.0.1, bounded counts. Options: --rounds 200, --latency 100 (ms), --warmup 5,
// --load 0 (busy processes beside it, as on a loaded CI machine), --toxiproxy URL (also measure
// the Toxiproxy API there, upstream by IP and by name: a real Toxiproxy, another build of the
// agent), --churn 1 (meanwhile, another client adds and removes a toxic on another proxy of the
// agent in a loop: each add waits for the ledger's fsync on the agent's event loop), --write (a
// row in bench/RESULTS.md). Exit code 0 when the toxic's p90 is within 1 ms of the bare pipe's.
//
//   node bench/toxic-latency.mjs [--rounds 300] [--load 2] [--toxiproxy http://127.0.0.1:8474]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const { fetch } = globalThis; // Node's own (eslint knows no such globals in .mjs)

if (process.argv[2] === '--pipe') {
  // The reference, in a process of its own as the agent is: a bare pipe (argv: upstream port, delay).
  const [port, delay] = process.argv.slice(3).map(Number);
  const server = pipeServer(port, delay);
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
  process.stdin.on('end', () => process.exit(0)).resume();
} else {
  await bench();
}

async function bench() {
  const { percentile, round2, spawnTracked, startAgent, track, writeResultRow, stamp } = await import('./support.mjs');
  const { runScenario } = await import('./scenario.mjs');
  const stats = (samples) => ({
    p50: round2(percentile(samples, 50)),
    p90: round2(percentile(samples, 90)),
    max: round2(Math.max(...samples)),
  });
  await runScenario({
    name: 'toxic-latency',
    defaults: { rounds: 200, latency: 100, warmup: 5, load: 0, toxiproxy: '', churn: 0 },
    agent: false,
    async prepare(s) {
      const { latency, load } = s.options;
      s.upstream = await lineServer();
      s.pipe = await startPipe(s.upstream.address().port, latency, track);
      for (let i = 0; i < load; i++) spawnTracked('yes', []);
      s.agent = await startAgent(s.stateDir, ['--toxiproxy-listen', '127.0.0.1:0']);
      const api = JSON.parse(readFileSync(join(s.stateDir, 'agent.json'), 'utf8')).toxiproxyUrl;
      s.api = api;
      const up = s.upstream.address().port;
      s.ports = { direct: up, reference: s.pipe.port };
      s.ports.firedrill = await latencyProxy(api, 'bench-ip', `127.0.0.1:${up}`, latency);
      s.ports['by name'] = await latencyProxy(api, 'bench-name', `localhost:${up}`, latency);
      if (s.options.toxiproxy) {
        s.ports.given = await latencyProxy(s.options.toxiproxy, 'firedrill-bench-ip', `127.0.0.1:${up}`, latency);
        s.ports['given by name'] = await latencyProxy(s.options.toxiproxy, 'firedrill-bench-name', `localhost:${up}`, latency);
      }
    },
    async measure(s) {
      const paths = Object.keys(s.ports);
      const samples = Object.fromEntries(paths.map((path) => [path, []]));
      for (let i = 0; i < s.options.warmup; i++) for (const path of paths) await sample(s.ports[path]);
      const churning = s.options.churn ? churn(s.api, `127.0.0.1:${s.upstream.address().port}`) : undefined;
      try {
        for (let round = 0; round < s.options.rounds; round++) {
          for (let i = 0; i < paths.length; i++) {
            const path = paths[(round + i) % paths.length];
            samples[path].push(await sample(s.ports[path]));
          }
        }
      } finally {
        await churning?.stop();
      }
      return samples;
    },
    async teardown(s) {
      for (const name of s.options.toxiproxy ? ['firedrill-bench-ip', 'firedrill-bench-name'] : []) {
        await fetch(`${s.options.toxiproxy}/proxies/${name}`, { method: 'DELETE' }).catch(() => undefined);
      }
      s.pipe?.child.stdin.end();
      s.upstream?.close();
    },
    summarize(samples, s) {
      const paths = Object.fromEntries(Object.entries(samples).map(([path, values]) => [path, stats(values)]));
      const { rounds, latency, load, churn: churned } = s.options;
      return { rounds, latencyMs: latency, load, churn: churned > 0, paths, met: paths.firedrill.p90 <= paths.reference.p90 + 1 };
    },
    print(result) {
      const beside = `${result.load} busy processes beside it${result.churn ? ', toxics added and removed meanwhile' : ''}`;
      console.log(`${result.latencyMs} ms latency, ${result.rounds} samples per path, ${beside} (ms, connect included)`);
      console.log(`${'path'.padEnd(12)} ${'p50'.padStart(8)} ${'p90'.padStart(8)} ${'max'.padStart(8)}`);
      for (const [path, { p50, p90, max }] of Object.entries(result.paths)) {
        console.log(`${path.padEnd(12)} ${p50.toFixed(2).padStart(8)} ${p90.toFixed(2).padStart(8)} ${max.toFixed(2).padStart(8)}`);
      }
    },
    write(result) {
      const cell = ({ p50, p90, max }) => `${p50} / ${p90} / ${max}`;
      writeResultRow({
        id: 'toxic-latency',
        heading: 'a 100 ms latency toxic through the Toxiproxy API',
        explanation:
          'Connect, a line, its answer, timed as the Toxiproxy Ruby suite does; p50 / p90 / max in ms (bench/toxic-latency.mjs).',
        columns: ['date', 'commit', 'machine', 'samples', 'direct', 'setTimeout pipe', 'latency toxic', 'upstream by name'],
        row: [
          ...stamp(),
          result.rounds,
          cell(result.paths.direct),
          cell(result.paths.reference),
          cell(result.paths.firedrill),
          cell(result.paths['by name']),
        ],
      });
    },
  });
}

/** A server answering each line it reads with `omgs\n`, as the clients' test suites use. */
async function lineServer() {
  const server = createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => undefined);
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk;
      for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
        buffered = buffered.slice(end + 1);
        socket.write('omgs\n');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** Forwards at once upstream; each chunk back waits `delay` ms on a plain setTimeout. */
function pipeServer(upstreamPort, delay) {
  return createServer({ noDelay: true }, (client) => {
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort, noDelay: true });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => setTimeout(() => client.write(chunk), delay));
  });
}

/** The reference pipe in a child process (this file, `--pipe`); it exits when its stdin closes. */
async function startPipe(upstreamPort, delay, track) {
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, '--pipe', String(upstreamPort), String(delay)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  track(child.pid);
  const [line] = await once(child.stdout, 'data');
  return { child, port: Number(String(line).trim()) };
}

/** A proxy made through a Toxiproxy API with a downstream latency toxic; the port it listens on. */
async function latencyProxy(api, name, upstream, latency) {
  const call = async (path, body) => {
    const response = await fetch(`${api}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`${api}${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const proxy = await call('/proxies', { name, listen: '127.0.0.1:0', upstream });
  await call(`/proxies/${name}/toxics`, { type: 'latency', attributes: { latency } });
  return Number(proxy.listen.split(':').pop());
}

/** Adds and removes a toxic on a proxy of its own, one request after the other, until stopped. */
function churn(api, upstream) {
  let running = true;
  const call = (method, path, body) => fetch(`${api}${path}`, { method, body: body && JSON.stringify(body) }).then((r) => r.text());
  const loop = (async () => {
    await call('POST', '/proxies', { name: 'bench-churn', listen: '127.0.0.1:0', upstream });
    while (running) {
      await call('POST', '/proxies/bench-churn/toxics', { type: 'latency', attributes: { latency: 1 } });
      await call('DELETE', '/proxies/bench-churn/toxics/latency_downstream');
    }
    await call('DELETE', '/proxies/bench-churn');
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Connect, send a line, read the answer line: ms, the connect included. */
function sample(port) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    socket.once('error', reject);
    socket.once('connect', () => socket.write('omg\n'));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk;
      if (!answer.includes('\n')) return;
      const ms = performance.now() - start;
      socket.destroy();
      resolve(ms);
    });
  });
}
