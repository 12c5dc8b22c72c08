import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMonitoring, startMonitoring } from '../../src/demo/monitoring.js';
import type { Monitoring } from '../../src/demo/monitoring.js';
import { freePorts } from '../../src/demo/shop/ports.js';
import type { ExpectationRecord } from '../../src/engine/expectation.js';
import { processState } from '../../src/targets/proc.js';
import { eventually } from '../probes/fixtures.js';
import { call, testServer, userWithToken } from '../server/fixtures.js';

/** A worker that serves /metrics: paused, its scrapes time out and Prometheus sees it down. */
const WORKER = `
const http = require('node:http');
http.createServer((req, res) => res.end('worker_heartbeat 1\\n')).listen(Number(process.argv[2]), '127.0.0.1');
`;

// The alerting path with real processes: a fault pauses a worker; Prometheus (Debian's) finds it
// down and fires WorkerDown; Alertmanager (Debian's) posts it to Firedrill's receiver; the run's
// expectations see it — the alert through the receiver, the rule through a PromQL query.
describe('alerting end to end: Prometheus, Alertmanager, the receiver and the expectations', () => {
  const binaries = findMonitoring();
  let dir: string;
  let server: Awaited<ReturnType<typeof testServer>>;
  let worker: ChildProcess;
  let monitoring: Monitoring;
  let facilitator: string;

  beforeAll(async () => {
    if (!binaries)
      throw new Error('prometheus and prometheus-alertmanager are not installed (apt-get install prometheus prometheus-alertmanager)');
    dir = mkdtempSync(join(tmpdir(), 'fd-alerting-'));
    server = await testServer(undefined, { agent: true });
    facilitator = await userWithToken(server, 'fac', ['facilitator']);
    const sender = await userWithToken(server, 'alertmanager', ['alert-source']);
    const [port] = await freePorts(1);
    writeFileSync(join(dir, 'worker.cjs'), WORKER);
    worker = spawn(process.execPath, [join(dir, 'worker.cjs'), String(port)], { stdio: 'ignore' });
    monitoring = await startMonitoring({
      dir,
      binaries,
      scrape: [{ job: 'worker', address: `127.0.0.1:${port}` }],
      rules: [{ name: 'WorkerDown', expr: 'up{job="worker"} == 0', labels: { severity: 'page' }, summary: 'the worker does not answer' }],
      webhook: `${server.url}/api/v1/alerts/alertmanager/${sender}`,
    });
    // Steady before the drill: Prometheus has seen the worker up.
    await eventually(async () => {
      const answer = (await (await fetch(`${monitoring.prometheusUrl}/api/v1/query?query=up%7Bjob%3D%22worker%22%7D%3D%3D1`)).json()) as {
        data: { result: unknown[] };
      };
      expect(answer.data.result).toHaveLength(1);
    }, 20_000);
  }, 60_000);

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await monitoring?.stop();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('measures a real time-to-alert: the alert is met through the receiver and the rule through PromQL; the pause is reverted', async () => {
    const pid = worker.pid ?? 0;
    const yaml = `title: The worker stops answering
targets:
  worker: { kind: process, selector: { pid: ${pid} } }
method:
  - { name: pause, fault: process-pause, target: worker, duration: 6s }
expectations:
  - { name: paged, within: 20s, alert: { source: alertmanager, labels: { alertname: WorkerDown, severity: page } } }
  - { name: rule-fires, within: 20s, prometheus: { url: "${monitoring.prometheusUrl}", query: 'ALERTS{alertname="WorkerDown", alertstate="firing"}', every: 250ms } }
  - { name: no-other-page, within: 6s, never: true, alert: { labels: { alertname: { regex: "^(?!WorkerDown$)" }, severity: page } } }
`;
    const started = await call(server.url, 'POST', '/api/v1/runs', facilitator, { yaml });
    expect(started.status).toBe(201);
    const runId = (started.body.run as { id: string }).id;
    await eventually(() => expect(processState(pid)).toBe('T'));
    const ended = await eventually(async () => {
      const got = await call(server.url, 'GET', `/api/v1/runs/${runId}`, facilitator);
      expect(got.body).toMatchObject({ run: { state: 'ended' } });
      return got.body as { run: { verdict: string }; journal: { expectations: ExpectationRecord[]; findings: string[] } };
    }, 60_000);
    expect(processState(pid)).not.toBe('T'); // the revert is real
    const byName = Object.fromEntries(ended.journal.expectations.map((e) => [e.name, e]));
    expect(byName.paged, JSON.stringify(ended.journal.expectations)).toMatchObject({ status: 'met', kind: 'alert' });
    expect(byName.paged?.detail).toMatch(/WorkerDown firing via alertmanager/);
    expect(byName['rule-fires']).toMatchObject({ status: 'met', kind: 'prometheus' });
    expect(byName['no-other-page']).toMatchObject({ status: 'met' });
    expect(ended.run.verdict).toBe('passed');
    const toAlert = byName.paged?.tookMs ?? 0;
    process.stdout.write(
      `time to alert through Prometheus and Alertmanager: ${toAlert} ms (rule firing after ${byName['rule-fires']?.tookMs} ms)\n`,
    );
    // What the monitoring said is in the API for the responders' console.
    const alerts = (await call(server.url, 'GET', '/api/v1/alerts', facilitator)).body.alerts as { labels: Record<string, string> }[];
    expect(alerts.map((a) => a.labels.alertname)).toContain('WorkerDown');
  }, 90_000);
});
