import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from './shop/ports.js';

/**
 * Real monitoring beside the demo shop and in tests: Debian's `prometheus` and
 * `prometheus-alertmanager`, each started with a generated config in a directory of the
 * caller's, listening on 127.0.0.1 only. Prometheus scrapes what it is given every second and
 * evaluates the alert rules every second; Alertmanager posts every alert at once (no grouping
 * wait) to one webhook: Firedrill's receiver.
 */

export interface MonitoringBinaries {
  readonly prometheus: string;
  readonly alertmanager: string;
}

/** The binaries when both are installed (Debian names first), or undefined. */
export function findMonitoring(): MonitoringBinaries | undefined {
  const find = (...names: string[]) => names.find((name) => spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0);
  const prometheus = find('prometheus');
  const alertmanager = find('prometheus-alertmanager', 'alertmanager');
  return prometheus && alertmanager ? { prometheus, alertmanager } : undefined;
}

export interface AlertRule {
  readonly name: string;
  /** PromQL: the alert fires while it returns a series. */
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly summary: string;
}

export interface ScrapeTarget {
  readonly job: string;
  /** host:port of a /metrics. */
  readonly address: string;
  readonly bearerToken?: string;
}

export interface Monitoring {
  readonly prometheusUrl: string;
  readonly alertmanagerUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts Alertmanager then Prometheus in `dir` (configs, data and logs), and resolves once both
 * answer /-/ready. `webhook` is the URL Alertmanager posts to (Firedrill's /api/v1/alerts/SOURCE/TOKEN).
 */
export async function startMonitoring(options: {
  readonly dir: string;
  readonly binaries: MonitoringBinaries;
  readonly scrape: readonly ScrapeTarget[];
  readonly rules: readonly AlertRule[];
  readonly webhook: string;
  readonly timeoutMs?: number;
}): Promise<Monitoring> {
  const { dir, binaries } = options;
  mkdirSync(join(dir, 'prometheus-data'), { recursive: true });
  mkdirSync(join(dir, 'alertmanager-data'), { recursive: true });
  const [promPort, amPort] = await freePorts(2);
  writeFileSync(join(dir, 'alertmanager.yml'), alertmanagerConfig(options.webhook));
  writeFileSync(join(dir, 'rules.yml'), rulesConfig(options.rules));
  writeFileSync(join(dir, 'prometheus.yml'), prometheusConfig(options.scrape, `127.0.0.1:${amPort}`, join(dir, 'rules.yml')));
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map(stopChild));
  };
  try {
    children.push(
      daemon(binaries.alertmanager, dir, 'alertmanager.log', [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'alertmanager-data')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        '--cluster.listen-address=', // no gossip: one instance, no port beyond its own
      ]),
    );
    children.push(
      daemon(binaries.prometheus, dir, 'prometheus.log', [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--rules.alert.resend-delay=1s',
      ]),
    );
    const prometheusUrl = `http://127.0.0.1:${promPort}`;
    const alertmanagerUrl = `http://127.0.0.1:${amPort}`;
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (const [url, name] of [
      [alertmanagerUrl, 'alertmanager.log'],
      [prometheusUrl, 'prometheus.log'],
    ] as const) {
      while (!(await ready(url))) {
        if (Date.now() > deadline || children.some((c) => c.exitCode !== null))
          throw new Error(`${url} did not become ready: see ${join(dir, name)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return { prometheusUrl, alertmanagerUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function daemon(binary: string, dir: string, log: string, args: string[]): ChildProcess {
  const out = openSync(join(dir, log), 'a');
  return spawn(binary, args, { cwd: dir, stdio: ['ignore', out, out] });
}

async function ready(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

const json = (value: unknown) => JSON.stringify(value); // JSON is YAML: no quoting rules to get wrong

function alertmanagerConfig(webhook: string): string {
  return json({
    route: { receiver: 'firedrill', group_by: ['...'], group_wait: '0s', group_interval: '1s', repeat_interval: '1h' },
    receivers: [{ name: 'firedrill', webhook_configs: [{ url: webhook, send_resolved: true }] }],
  });
}

function rulesConfig(rules: readonly AlertRule[]): string {
  return json({
    groups: [
      {
        name: 'firedrill-demo',
        interval: '1s',
        rules: rules.map((rule) => ({
          alert: rule.name,
          expr: rule.expr,
          labels: rule.labels ?? {},
          annotations: { summary: rule.summary },
        })),
      },
    ],
  });
}

function prometheusConfig(scrape: readonly ScrapeTarget[], alertmanager: string, rules: string): string {
  return json({
    global: { scrape_interval: '1s', scrape_timeout: '500ms', evaluation_interval: '1s' },
    rule_files: [rules],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [alertmanager] }] }] },
    scrape_configs: scrape.map((target) => ({
      job_name: target.job,
      static_configs: [{ targets: [target.address] }],
      ...(target.bearerToken && { authorization: { credentials: target.bearerToken } }),
    })),
  });
}
