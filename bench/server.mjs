// The control plane (issue 10), measured against references run in the same bench:
//
// - api: `GET /api/v1/runs?limit=50` with 10,000 stored runs (each with a 5 KB journal), 16
//   keep-alive connections for --seconds, on SQLite and on PostgreSQL (a cluster of Debian's
//   postgresql-15, fsync off: the list only reads), against hono's bare "hello" route on
//   @hono/node-server in a process of its own — the floor of any route of this server. Rounds
//   interleave the three. Target: p99 ≤ 20 ms.
// - stream: 100 clients follow one run's live events (SSE); latency = the moment a client reads
//   an event − the event's own timestamp (same clock); the run waits 1 s before its 40 short
//   steps so every client is connected. Then the server's RSS with 1,000 idle clients on a
//   run that waits. Target: p99 ≤ 50 ms.
// - run: a trivial experiment through `firedrill run --server` against the same through a local
//   `firedrill run`, interleaved.
//
//   npm run build && node bench/server.mjs [--seconds 10] [--rounds 2] [--runs 10] [--write]
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { runScenario } from './scenario.mjs';
import { bin, nowMs, percentile, procRssKiB, round1, runCli, sleep, stamp, track, upperMedian, writeResultRow, mib } from './support.mjs';
import { load } from './server/load.mjs';
import { havePostgres, startPostgres } from './server/pg.mjs';
import { seedRuns } from './server/seed.mjs';

const { fetch } = globalThis; // Node's own (eslint knows no such globals in .mjs)

/** `firedrill server` in `dir`; resolves { child, url, token } with an API token made through its API. */
async function startServer(s, name, extra = []) {
  const stateDir = join(s.dir, name);
  const child = spawn(process.execPath, [bin, 'server', '--listen', '127.0.0.1:0', '--state-dir', stateDir, ...extra], {
    cwd: s.dir,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  track(child.pid);
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const deadline = nowMs() + 30_000;
  while (!/keep it/.test(out)) {
    if (nowMs() > deadline || child.exitCode !== null) throw new Error(`firedrill server did not start: ${out}`);
    await sleep(20);
  }
  const url = /control plane: (http:\/\/\S+)/.exec(out)[1];
  const password = /one-time password (\S+)/.exec(out)[1];
  const login = await fetch(`${url}/api/v1/login`, { method: 'POST', body: JSON.stringify({ name: 'admin', password }) });
  const { csrf } = await login.json();
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const made = await fetch(`${url}/api/v1/tokens`, {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': csrf },
    body: JSON.stringify({ name: 'bench' }),
  });
  const { token } = await made.json();
  return { child, url, token, stateDir };
}

async function startHello() {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'server', 'hello.mjs')], { stdio: ['ignore', 'pipe', 'ignore'] });
  track(child.pid);
  const port = await new Promise((resolve) => child.stdout.once('data', (chunk) => resolve(Number(String(chunk).trim()))));
  return { child, url: `http://127.0.0.1:${port}/` };
}

const summary = ({ latenciesMs, count, errors }, seconds) => ({
  p50: round1(percentile(latenciesMs, 50)),
  p99: round1(percentile(latenciesMs, 99)),
  rps: Math.round(count / seconds),
  errors,
});

async function measureApi(s) {
  const { seconds, rounds } = s.options;
  const sqlite = await startServer(s, 'sqlite');
  await seedRuns({ sqlite: join(sqlite.stateDir, 'server.db') }, 10_000);
  const paths = { hello: (await startHello()).url, sqlite: `${sqlite.url}/api/v1/runs?limit=50` };
  const auth = { sqlite: sqlite.token };
  if (havePostgres()) {
    s.pg = await startPostgres();
    s.pg.createDatabase('bench');
    const pg = await startServer(s, 'pg', ['--database', s.pg.url('bench')]);
    await seedRuns({ postgres: s.pg.url('bench') }, 10_000);
    paths.postgres = `${pg.url}/api/v1/runs?limit=50`;
    auth.postgres = pg.token;
  }
  const samples = Object.fromEntries(Object.keys(paths).map((k) => [k, { latenciesMs: [], count: 0, errors: 0 }]));
  for (let round = 0; round < rounds; round++) {
    const order = Object.keys(paths);
    for (let i = 0; i < round; i++) order.push(order.shift());
    for (const key of order) {
      const headers = auth[key] ? { authorization: `Bearer ${auth[key]}` } : {};
      await load(paths[key], { seconds: 1, headers }); // warm-up
      const got = await load(paths[key], { seconds, headers });
      for (const ms of got.latenciesMs) samples[key].latenciesMs.push(ms);
      samples[key].count += got.count;
      samples[key].errors += got.errors;
    }
  }
  return { sqlite, api: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summary(v, seconds * rounds)])) };
}

/** POST a run through the API; its id. */
async function startRun(server, yaml) {
  const response = await fetch(`${server.url}/api/v1/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}` },
    body: JSON.stringify({ yaml }),
  });
  return (await response.json()).run.id;
}

/** One SSE client: resolves the latencies (ms) of the live events it read, once the stream ends. */
function follow(server, runId, connectedSince) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    const req = request(`${server.url}/api/v1/runs/${runId}/events`, { headers: { authorization: `Bearer ${server.token}` } }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const readAt = nowMs();
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const data = /^data: (.*)$/m.exec(buffer.slice(0, end))?.[1];
          buffer = buffer.slice(end + 2);
          const at = data && Date.parse(JSON.parse(data).at ?? '');
          if (at && at >= connectedSince) latencies.push(readAt - at);
        }
      });
      res.on('end', () => resolve(latencies));
    });
    req.on('error', reject);
    req.end();
  });
}

async function measureStream(s, server) {
  const steps = Array.from({ length: 40 }, (_, i) => `  - { name: s${i}, wait: 25ms }`).join('\n');
  const runId = await startRun(server, `title: streamed\nmethod:\n  - { name: gather, wait: 1s }\n${steps}\n`);
  const since = nowMs() + 200;
  const all = (await Promise.all(Array.from({ length: 100 }, () => follow(server, runId, since)))).flat();
  // 1,000 idle clients on a run that waits, the server's RSS before and after they connect.
  const waiting = await startRun(server, 'title: idle\nmethod:\n  - { name: w, wait: 60s }\n');
  await sleep(500);
  const before = procRssKiB(server.child.pid);
  const idle = Array.from({ length: 1000 }, () =>
    request(`${server.url}/api/v1/runs/${waiting}/events`, { headers: { authorization: `Bearer ${server.token}` } }, (res) => res.resume()),
  );
  for (const req of idle) req.on('error', () => undefined).end();
  await sleep(3000);
  const after = procRssKiB(server.child.pid);
  await fetch(`${server.url}/api/v1/runs/${waiting}/cancel`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}` },
    body: '{}',
  });
  for (const req of idle) req.destroy();
  return {
    events: all.length,
    p50: round1(percentile(all, 50)),
    p99: round1(percentile(all, 99)),
    rssBeforeMiB: mib(before),
    rss1000MiB: mib(after),
  };
}

async function measureRun(s, server) {
  const file = join(s.dir, 'trivial.yaml');
  writeFileSync(file, 'title: trivial\nmethod:\n  - { name: w, wait: 1ms }\n');
  const local = [];
  const remote = [];
  for (let i = 0; i < s.options.runs; i++) {
    const a = await runCli(['run', file, '-q', '--state-dir', join(s.dir, 'local')], { cwd: s.dir });
    const b = await runCli(['run', file, '-q', '--server', server.url, '--token-file', writeToken(s, server.token)], { cwd: s.dir });
    if (a.code !== 0 || b.code !== 0) throw new Error(`a trivial run failed: ${a.stderr}${b.stderr}`);
    local.push(a.ms);
    remote.push(b.ms);
  }
  return { local: round1(upperMedian(local)), remote: round1(upperMedian(remote)) };
}

function writeToken(s, token) {
  const file = join(s.dir, 'token');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return file;
}

const EXPLANATION = `
\`node bench/server.mjs --write\` (defaults: 2 rounds of 10 s per path, 10 runs). API: \`GET
/api/v1/runs?limit=50\` (with a token) over 10,000 stored runs with 5 KB journals, 16 keep-alive
connections, on SQLite and on PostgreSQL 15 (fsync off: the list only reads), interleaved with
hono's bare "hello" route on @hono/node-server in its own process, the reference. Stream: 100 SSE
clients follow one run of 40 short steps; latency = read − the event's timestamp. RSS: the
server process with 1,000 idle SSE clients on a waiting run. Run: a trivial experiment through
\`firedrill run --server\` against a local \`firedrill run\`, interleaved (medians). Targets (issue
10): list p99 ≤ 20 ms on both stores, SSE p99 ≤ 50 ms.`;

await runScenario({
  name: 'server',
  defaults: { seconds: 10, rounds: 2, runs: 10 },
  agent: false,
  async measure(s) {
    const { sqlite, api } = await measureApi(s);
    return { api, stream: await measureStream(s, sqlite), run: await measureRun(s, sqlite) };
  },
  teardown: (s) => s.pg?.stop(),
  summarize: (m) => ({ ...m, met: m.api.sqlite.p99 <= 20 && (m.api.postgres?.p99 ?? 0) <= 20 && m.stream.p99 <= 50 }),
  write(result) {
    const [date, commit, host] = stamp();
    const { api, stream, run } = result;
    writeResultRow({
      id: 'server',
      heading: 'the control plane: API list, live stream, a run through the server',
      explanation: EXPLANATION,
      columns: [
        'date',
        'commit',
        'machine',
        'hello p50 / p99 ms (ref)',
        'SQLite list p50 / p99 ms',
        'PostgreSQL list p50 / p99 ms',
        'req/s hello / SQLite / PostgreSQL',
        'p99 ÷ hello (SQLite / PostgreSQL)',
        'SSE events (100 clients)',
        'SSE p50 / p99 ms',
        'RSS idle → 1000 SSE clients MiB',
        'trivial run local / --server ms',
        'targets met',
      ],
      row: [
        date,
        commit,
        host,
        `${api.hello.p50} / ${api.hello.p99}`,
        `${api.sqlite.p50} / ${api.sqlite.p99}`,
        api.postgres ? `${api.postgres.p50} / ${api.postgres.p99}` : '—',
        `${api.hello.rps} / ${api.sqlite.rps} / ${api.postgres?.rps ?? '—'}`,
        `${round1(api.sqlite.p99 / api.hello.p99)}× / ${api.postgres ? `${round1(api.postgres.p99 / api.hello.p99)}×` : '—'}`,
        stream.events,
        `${stream.p50} / ${stream.p99}`,
        `${stream.rssBeforeMiB} → ${stream.rss1000MiB}`,
        `${run.local} / ${run.remote}`,
        result.met ? 'yes' : 'no',
      ],
    });
  },
});
