// Security techniques on a real `firedrill agent` (issue 14): for every technique, --runs times,
// detonate → verified active (POST /v1/runs/:id/faults answered 201, then the host — or the
// inject's output, for the network techniques — shows it) and revert → verified clean (POST
// …/revert answered with verification.ok, and the host clean), each against the same system
// change done by hand in the same run, each way (write the file / remove it; useradd / userdel;
// start a listener / kill it; connect to the ports; POST the document; five failed logins), the
// reference. Then one of each technique active at once, halted (POST /v1/halt) → every one
// reverted and verified. Everything in temporary directories and on 127.0.0.1, ports below the
// ephemeral range; a scratch system root for accounts and systemd units (see techniques/scene.mjs).
// Where sshd is installed, brute-force's SSH mode too, against Debian's sshd in a network namespace
// of the bench's own (techniques/sshd.mjs): that row is a burst of five real SSH logins, judged by
// its ratio to the same five logins by hand (≤ 1.5×), not by the 500 ms.
//
//   node scripts/bundle.mjs && node bench/techniques.mjs [--runs 20] [--write]
//
// Targets: detonate and revert ≤ 500 ms at p99 per technique; the halt of ten ≤ 1 s.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScenario } from './scenario.mjs';
import { haltFaults, makeScene, sshBruteForce, startSink, techniques } from './techniques/scene.mjs';
import { startSshd } from './techniques/sshd.mjs';
import { api, nowMs, percentile, round1, sleep, stamp, targetsCell, writeResultRow } from './support.mjs';

const host = { kind: 'host', name: 'local' };
const stats = (values) => ({ p50: round1(percentile(values, 50)), p99: round1(percentile(values, 99)) });
const ratio = (a, b) => (b ? `${round1(a.p99 / Math.max(b.p99, 0.1))}×` : '—');

async function until(check, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the host to show the change');
    await sleep(1);
  }
}

async function measure(agent, technique, runs) {
  const times = { detonate: [], revert: [], byHandDo: [], byHandUndo: [] };
  for (let i = 0; i < runs; i++) {
    const runId = `bench-${technique.id ?? technique.type}-${i}`;
    let at = nowMs();
    const injected = await api(agent, 'POST', `/v1/runs/${runId}/faults`, {
      faultId: 'f1',
      step: 'method[0]',
      type: technique.type,
      target: host,
      params: technique.params(),
    });
    await until(() => technique.active(injected.output));
    times.detonate.push(nowMs() - at);
    at = nowMs();
    const reverted = await api(agent, 'POST', `/v1/runs/${runId}/faults/f1/revert`);
    if (!reverted.verification?.ok) throw new Error(`${technique.type}: revert not verified: ${JSON.stringify(reverted.verification)}`);
    await until(technique.clean);
    times.revert.push(nowMs() - at);
    await api(agent, 'POST', `/v1/runs/${runId}/end`, { reason: 'bench' });
    at = nowMs();
    await technique.byHand.do();
    times.byHandDo.push(nowMs() - at);
    if (!technique.byHand.undo) continue;
    at = nowMs();
    await technique.byHand.undo();
    times.byHandUndo.push(nowMs() - at);
  }
  return Object.fromEntries(Object.entries(times).map(([key, values]) => [key, values.length > 0 ? stats(values) : null]));
}

/** One of each technique active at once, then POST /v1/halt: time until every one is reverted and verified. */
async function haltTen(agent, scene, ports) {
  const faults = haltFaults(scene, ports);
  for (const [i, fault] of faults.entries()) {
    await api(agent, 'POST', `/v1/runs/halt-bench/faults`, { faultId: `f${i + 1}`, step: `method[${i}]`, target: host, ...fault });
  }
  const at = nowMs();
  const halted = await api(agent, 'POST', '/v1/halt', { reason: 'bench' });
  const ms = nowMs() - at;
  await api(agent, 'POST', '/v1/resume', {});
  const unverified = halted.reverted.filter((r) => !r.verification.ok).map((r) => `${r.type ?? r.faultId}: ${r.verification.detail}`);
  return { faults: faults.length, reverted: halted.reverted.length, unverified: unverified.length, why: unverified, ms: round1(ms) };
}

await runScenario({
  name: 'techniques',
  defaults: { runs: 20 },
  async measure(s) {
    const dir = join(s.dir, 'host');
    mkdirSync(dir);
    const scene = makeScene(dir);
    // Below the ephemeral range (32768+): no outgoing connection of this machine can hold one of them.
    const base = 21_000 + Math.floor(Math.random() * 1500) * 5;
    const ports = [base, base + 1, base + 2, base + 3, base + 4]; // listener, by hand, halt listener, sink, closed
    const sink = await startSink(ports[3]);
    s.sink = sink;
    // What this host lets techniques touch: the scene, the listener ports, the scratch accounts, 127.0.0.1.
    // brute-force's SSH mode too, against Debian's sshd in a namespace of the bench's own (its traffic stays on that veth pair).
    s.sshd = await startSshd(dir);
    const hosts = ['127.0.0.1', ...(s.sshd.address ? [s.sshd.address] : [])];
    const allow = { version: 1, directories: [dir], ports: [ports[0], ports[2]], users: ['svc-bench', 'svc-halt'], hosts };
    writeFileSync(join(s.stateDir, 'allow.json'), JSON.stringify(allow), { mode: 0o600 });
    const measured = [...techniques(scene, ports), ...(s.sshd.address ? [sshBruteForce(dir, s.sshd.address)] : [])];
    const per = {};
    const byRatio = [];
    for (const technique of measured) {
      per[technique.label ?? technique.type] = await measure(s.agent, technique, s.options.runs);
      if (technique.byRatio) byRatio.push(technique.label);
    }
    return { per, byRatio, sshd: s.sshd.skipped ?? 'measured', halt: await haltTen(s.agent, scene, ports) };
  },
  async teardown(s) {
    await s.sink?.close();
    await s.sshd?.stop?.();
  },
  summarize(m, s) {
    const timed = Object.entries(m.per).filter(([label]) => !m.byRatio.includes(label));
    const worst = (key) => Math.max(...timed.map(([, t]) => t[key].p99));
    const checks = {
      burstsWithin1_5xByHand: m.byRatio.every((label) => m.per[label].detonate.p99 <= 1.5 * m.per[label].byHandDo.p99),
      detonateP99Under500ms: worst('detonate') <= 500,
      revertP99Under500ms: worst('revert') <= 500,
      haltTenUnder1s: m.halt.ms <= 1000 && m.halt.reverted === 10 && m.halt.unverified === 0,
    };
    return { runs: s.options.runs, ...m, checks, met: Object.values(checks).every(Boolean) };
  },
  write(result) {
    const explanation = `\`node bench/techniques.mjs --write\` (default 20 runs per technique). A real \`firedrill agent\`;
each technique detonated through its API until the host shows it (the file, the key line, the
account, the unit and its wants link, the answering port; for the network techniques the inject's
output: the open port found, the sink's 204, five 401s), then reverted until the revert is verified
and the host is clean; reference: the same change done by hand in the same run, each way (write /
remove the file, append / truncate, useradd / userdel in a scratch root, write the unit and link /
remove them, start / kill a listener, connect to the same ports, POST the same document, five
failed logins at the same pace; over SSH, against sshd in a network namespace, the same five logins
with the same ssh client). Then ten techniques active at once and POST /v1/halt → every one
reverted and verified. Targets: ≤ 500 ms p99 each way (the SSH burst: ≤ 1.5× by hand), halt ≤ 1 s.`;
    const p = (t) => (t ? `${t.p50} / ${t.p99}` : '—');
    for (const [type, t] of Object.entries(result.per)) {
      writeResultRow({
        id: 'techniques',
        heading: 'security techniques: detonate and revert through the agent, and a halt of ten',
        explanation,
        table: 'every technique',
        tableNote:
          'One row per technique and run of the bench; ratios are p99 against p99 of the same change by hand (at least 0.1 ms); — where there is nothing to undo.',
        columns: [
          'date',
          'commit',
          'machine',
          'technique',
          'detonate p50 / p99 ms',
          'revert p50 / p99 ms',
          'by hand: do · undo p50 / p99 ms (ref)',
          'p99 ratio: detonate · revert',
          '≤ 500 ms',
        ],
        row: [
          ...stamp(),
          type,
          p(t.detonate),
          p(t.revert),
          `${p(t.byHandDo)} · ${p(t.byHandUndo)}`,
          `${ratio(t.detonate, t.byHandDo)} · ${ratio(t.revert, t.byHandUndo)}`,
          result.byRatio.includes(type)
            ? `${t.detonate.p99 <= 1.5 * t.byHandDo.p99 ? 'yes' : 'no'}: a burst, ≤ 1.5× by hand`
            : t.detonate.p99 <= 500 && t.revert.p99 <= 500
              ? 'yes'
              : 'no',
        ],
      });
    }
    writeResultRow({
      id: 'techniques',
      table: 'halt of ten different techniques',
      tableNote: 'One of each technique active at once (the network ones done, their records open), then POST /v1/halt.',
      columns: ['date', 'commit', 'machine', 'techniques', 'halt ms', 'reverted', 'unverified', 'targets met'],
      row: [
        ...stamp(),
        result.halt.faults,
        result.halt.ms,
        result.halt.reverted,
        result.halt.unverified,
        targetsCell(result.met, result.checks),
      ],
    });
  },
});
