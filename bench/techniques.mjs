// Security techniques on a real `firedrill agent` (issue 14): for each technique, --runs times,
// detonate → verified active (POST /v1/runs/:id/faults answered 201, then the artefact seen on
// the host) and revert → verified clean (POST …/revert answered with verification.ok), each
// against the same system change done by hand in the same run (write the file and remove it;
// append the line and truncate it; useradd and userdel; start a listener and kill it), the
// reference. Then a 10-technique scenario halted (POST /v1/halt) → every one reverted and verified.
// Everything in temporary directories and on 127.0.0.1; a scratch system root for accounts.
//
//   node scripts/bundle.mjs && node bench/techniques.mjs [--runs 20] [--write]
//
// Targets: detonate and revert ≤ 500 ms at p99 per technique; the 10-technique halt ≤ 1 s.
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { runScenario } from './scenario.mjs';
import { api, nowMs, percentile, round1, sleep, stamp, targetsCell, writeResultRow } from './support.mjs';

const host = { kind: 'host', name: 'local' };
const stats = (values) => ({ p50: round1(percentile(values, 50)), p99: round1(percentile(values, 99)) });

function connects(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1', timeout: 500 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until(check, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the host to show the change');
    await sleep(1);
  }
}

/** Each technique: its parameters, how to see it active and clean, and the same change by hand. */
function techniques(dir, ports) {
  const www = join(dir, 'www');
  const keys = join(dir, 'authorized_keys');
  const root = join(dir, 'root');
  mkdirSync(www);
  mkdirSync(join(root, 'etc'), { recursive: true });
  for (const file of ['passwd', 'shadow', 'group', 'gshadow', 'login.defs']) copyFileSync(join('/etc', file), join(root, 'etc', file));
  writeFileSync(join(root, 'etc', '.pwd.lock'), '', { mode: 0o600 });
  writeFileSync(keys, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFd7 ops@laptop\n', { mode: 0o600 });
  const dropped = () => readdirSync(www).some((name) => name.startsWith('fd-shell-'));
  const account = (name) => readFileSync(join(root, 'etc', 'passwd'), 'utf8').includes(`\n${name}:`);
  let n = 0;
  return [
    {
      type: 'web-shell',
      params: () => ({ directory: www }),
      active: dropped,
      clean: () => !dropped(),
      byHand: async () => {
        const file = join(www, `by-hand-${n++}.php`);
        writeFileSync(file, '<?php ?>\n', { mode: 0o644 });
        rmSync(file);
      },
    },
    {
      type: 'ssh-authorized-key',
      params: () => ({ file: keys }),
      active: () => readFileSync(keys, 'utf8').includes('firedrill-'),
      clean: () => !readFileSync(keys, 'utf8').includes('firedrill-'),
      byHand: async () => {
        const size = readFileSync(keys).length;
        appendFileSync(keys, 'ssh-ed25519 AAAAby-hand by-hand\n');
        truncateSync(keys, size);
      },
    },
    {
      type: 'local-account',
      params: () => ({ name: 'svc-bench', root }),
      active: () => account('svc-bench'),
      clean: () => !account('svc-bench'),
      byHand: async () => {
        execFileSync('useradd', ['--root', root, '--no-create-home', '--shell', '/usr/sbin/nologin', 'svc-byhand'], { stdio: 'ignore' });
        execFileSync('userdel', ['--root', root, 'svc-byhand'], { stdio: 'ignore' });
      },
    },
    {
      type: 'backdoor-listener',
      params: () => ({ port: ports[0] }),
      active: () => connects(ports[0]),
      clean: async () => !(await connects(ports[0])),
      byHand: async () => {
        const child = spawn(
          process.execPath,
          ['-e', `require('node:net').createServer(s=>s.end('x')).listen(${ports[1]},'127.0.0.1',()=>process.stdout.write('ready'))`],
          {
            stdio: ['ignore', 'pipe', 'ignore'],
          },
        );
        await new Promise((resolve) => child.stdout.once('data', resolve));
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
      },
    },
  ];
}

async function measure(agent, technique, runs) {
  const detonate = [];
  const revert = [];
  const byHand = [];
  for (let i = 0; i < runs; i++) {
    const runId = `bench-${technique.type}-${i}`;
    let at = nowMs();
    await api(agent, 'POST', `/v1/runs/${runId}/faults`, {
      faultId: 'f1',
      step: 'method[0]',
      type: technique.type,
      target: host,
      params: technique.params(),
    });
    await until(technique.active);
    detonate.push(nowMs() - at);
    at = nowMs();
    const reverted = await api(agent, 'POST', `/v1/runs/${runId}/faults/f1/revert`);
    if (!reverted.verification?.ok) throw new Error(`${technique.type}: revert not verified: ${JSON.stringify(reverted.verification)}`);
    await until(technique.clean);
    revert.push(nowMs() - at);
    await api(agent, 'POST', `/v1/runs/${runId}/end`, { reason: 'bench' });
    at = nowMs();
    await technique.byHand();
    byHand.push(nowMs() - at);
  }
  return { detonate: stats(detonate), revert: stats(revert), byHand: stats(byHand) };
}

/** Ten techniques active at once (web shells, keys, listeners…), then POST /v1/halt: time until every one is reverted and verified. */
async function haltTen(agent, dir, ports) {
  const www = join(dir, 'www');
  const faults = [];
  for (let i = 0; i < 4; i++) faults.push({ type: 'web-shell', params: { directory: www } });
  for (let i = 0; i < 3; i++) faults.push({ type: 'canary-credentials', params: { directory: www } });
  for (let i = 0; i < 3; i++) faults.push({ type: 'backdoor-listener', params: { port: ports[2 + i] } });
  for (const [i, fault] of faults.entries()) {
    await api(agent, 'POST', `/v1/runs/halt-bench/faults`, { faultId: `f${i + 1}`, step: `method[${i}]`, target: host, ...fault });
  }
  const at = nowMs();
  const halted = await api(agent, 'POST', '/v1/halt', { reason: 'bench' });
  const ms = nowMs() - at;
  await api(agent, 'POST', '/v1/resume', {});
  const unverified = halted.reverted.filter((r) => !r.verification.ok).length;
  return { faults: faults.length, reverted: halted.reverted.length, unverified, ms: round1(ms) };
}

await runScenario({
  name: 'techniques',
  defaults: { runs: 20 },
  async measure(s) {
    const scene = join(s.dir, 'host');
    mkdirSync(scene);
    // Below the ephemeral range (32768+): no outgoing connection of this machine can hold one of them.
    const ports = Array.from({ length: 5 }, (_, i) => 21_000 + Math.floor(Math.random() * 1500) * 5 + i);
    // What this host lets techniques touch: the scene, the ports, the scratch account.
    writeFileSync(join(s.stateDir, 'allow.json'), JSON.stringify({ version: 1, directories: [scene], ports, users: ['svc-bench'] }), {
      mode: 0o600,
    });
    const per = {};
    for (const technique of techniques(scene, ports)) per[technique.type] = await measure(s.agent, technique, s.options.runs);
    return { per, halt: await haltTen(s.agent, scene, ports) };
  },
  summarize(m, s) {
    const worst = (key) => Math.max(...Object.values(m.per).map((t) => t[key].p99));
    const checks = {
      detonateP99Under500ms: worst('detonate') <= 500,
      revertP99Under500ms: worst('revert') <= 500,
      haltTenUnder1s: m.halt.ms <= 1000 && m.halt.reverted === 10 && m.halt.unverified === 0,
    };
    return { runs: s.options.runs, ...m, checks, met: Object.values(checks).every(Boolean) };
  },
  write(result) {
    const cell = (t) => `${t.detonate.p50} / ${t.detonate.p99} · ${t.revert.p50} / ${t.revert.p99} · ${t.byHand.p50} / ${t.byHand.p99}`;
    writeResultRow({
      id: 'techniques',
      heading: 'security techniques: detonate and revert through the agent, and a halt of ten',
      explanation: `\`node bench/techniques.mjs --write\` (default 20 runs per technique). A real \`firedrill agent\`;
each technique detonated through its API until the host shows it (the file, the key line, the
account, the answering port), then reverted until the revert is verified and the host is clean;
reference: the same change done by hand in the same run (write and remove the file, append and
truncate, useradd and userdel in a scratch root, start and kill a listener). Then ten techniques
active at once and POST /v1/halt → every one reverted and verified. Targets: ≤ 500 ms p99 each
way, halt ≤ 1 s.`,
      columns: [
        'date',
        'commit',
        'machine',
        'web-shell: detonate p50 / p99 ms · revert · by hand (ref)',
        'ssh-authorized-key: detonate · revert · by hand',
        'local-account: detonate · revert · by hand',
        'backdoor-listener: detonate · revert · by hand',
        'halt of 10: ms (reverted, unverified)',
        'targets met',
      ],
      row: [
        ...stamp(),
        cell(result.per['web-shell']),
        cell(result.per['ssh-authorized-key']),
        cell(result.per['local-account']),
        cell(result.per['backdoor-listener']),
        `${result.halt.ms} (${result.halt.reverted}, ${result.halt.unverified})`,
        targetsCell(result.met, result.checks),
      ],
    });
  },
});
