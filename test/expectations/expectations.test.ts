import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExpectationFeeds, ReceivedAlert, ReceivedDeclaration } from '../../src/engine/expectation.js';
import { EngineHarness } from '../support/engine.js';

/** A feed as the control plane gives one: what came before, then what comes. */
function feed<T extends { receivedAt?: number; at?: number }>() {
  const items: T[] = [];
  const listeners = new Set<(item: T) => void>();
  return {
    push(item: T) {
      items.push(item);
      for (const listener of listeners) listener(item);
    },
    subscribe(since: number, on: (item: T) => void) {
      for (const item of items) if ((item.receivedAt ?? item.at ?? 0) >= since) on(item);
      listeners.add(on);
      return () => listeners.delete(on);
    },
  };
}

const experiment = (pid: number, pause: string, expectations: string) =>
  `title: expectations\ntargets:\n  s: { kind: process, selector: { pid: ${pid} } }\n` +
  `method:\n  - { name: pause, fault: process-pause, target: s, duration: ${pause} }\nexpectations:\n${expectations}`;

describe('expectations on a run', () => {
  const harness = new EngineHarness();
  let sleeper: ChildProcess;

  beforeAll(() => {
    sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
  });
  afterAll(() => {
    sleeper.kill('SIGKILL');
    harness.dispose();
  });

  it('marks met, late and missed from a real log file, timed from the injection; missed and late make the run deviate', async () => {
    const log = join(harness.dir, 'app.log');
    writeFileSync(log, 'failover done\n'); // before the clock: never counts
    const writer = setTimeout(() => appendFileSync(log, 'level=warn msg="upstream catalog-a marked down"\n'), 400);
    const late = setTimeout(() => appendFileSync(log, 'paged: on-call\n'), 1300);
    const { journal, log: events } = await harness.run(
      experiment(
        sleeper.pid ?? 0,
        '200ms',
        [
          `  - { name: marked-down, within: 2s, log: { file: ${log}, regex: 'marked down', every: 50ms } }`,
          `  - { name: paged, within: 1s, grace: 1s, log: { file: ${log}, regex: '^paged', every: 50ms } }`,
          `  - { name: failover, within: 500ms, log: { file: ${log}, regex: 'failover', every: 50ms } }`,
        ].join('\n'),
      ),
    );
    clearTimeout(writer);
    clearTimeout(late);
    const byName = Object.fromEntries((journal.expectations ?? []).map((e) => [e.name, e]));
    expect(byName['marked-down']).toMatchObject({ status: 'met', kind: 'log' });
    expect(byName['marked-down']?.tookMs).toBeGreaterThanOrEqual(300);
    expect(byName['marked-down']?.tookMs).toBeLessThan(2000);
    expect(byName.paged).toMatchObject({ status: 'late' });
    expect(byName.paged?.tookMs).toBeGreaterThan(1000);
    expect(byName.failover).toMatchObject({ status: 'missed', detail: 'not seen within 500ms' });
    expect(journal.verdict).toBe('deviated');
    expect(journal.findings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^expectation paged late: seen late after/),
        'expectation failover missed: not seen within 500ms',
      ]),
    );
    expect(events.ofType('expectation-settled').map((e) => e.expectation.name)).toEqual(['marked-down', 'failover', 'paged']);
  }, 20_000);

  it('hears alerts and declarations through the feeds; `never` is met when nothing comes, missed when it does', async () => {
    const alerts = feed<ReceivedAlert>();
    const declarations = feed<ReceivedDeclaration>();
    const feeds: ExpectationFeeds = { alerts, declarations };
    alerts.push({
      source: 'am',
      status: 'firing',
      labels: { alertname: 'CatalogErrors' },
      annotations: {},
      receivedAt: Date.now() - 60_000,
    });
    const timers = [
      setTimeout(
        () => alerts.push({ source: 'am', status: 'firing', labels: { alertname: 'Other' }, annotations: {}, receivedAt: Date.now() }),
        100,
      ),
      setTimeout(
        () =>
          alerts.push({
            source: 'am',
            status: 'firing',
            labels: { alertname: 'CatalogErrors', severity: 'page' },
            annotations: { summary: 'catalog 5xx above 5%' },
            receivedAt: Date.now(),
          }),
        300,
      ),
      setTimeout(() => declarations.push({ declare: 'contained', at: Date.now(), by: 'rita' }), 500),
    ];
    const { journal } = await harness.run(
      experiment(
        sleeper.pid ?? 0,
        '100ms',
        [
          '  - { name: alerted, within: 2s, alert: { labels: { alertname: CatalogErrors }, annotations: { summary: { regex: "5xx" } } } }',
          '  - { name: contained, within: 2s, manual: { declare: contained } }',
          '  - { name: no-ticket, within: 800ms, never: true, alert: { labels: { alertname: TicketOpened } } }',
          '  - { name: no-page, within: 2s, never: true, alert: { labels: { severity: page } } }',
        ].join('\n'),
      ),
      { feeds },
    );
    timers.forEach(clearTimeout);
    const status = Object.fromEntries((journal.expectations ?? []).map((e) => [e.name, e.status]));
    expect(status).toEqual({ alerted: 'met', contained: 'met', 'no-ticket': 'met', 'no-page': 'missed' });
    expect(journal.expectations?.find((e) => e.name === 'contained')?.detail).toMatch(/rita declared it contained/);
    expect(journal.findings).toEqual([
      expect.stringMatching(/^expectation no-page missed: seen after .* must not happen within 2s: CatalogErrors firing via am/),
    ]);
  }, 20_000);

  it('says why an expectation could not be watched, and never starts a clock when nothing was injected', async () => {
    const { journal } = await harness.run(
      `title: not steady\nhypothesis:\n  probes:\n    - { probe: tcp, params: { host: 127.0.0.1, port: 1 } }\n` +
        `method:\n  - { name: w, wait: 10ms }\nexpectations:\n  - { name: alerted, within: 1s, alert: { labels: { alertname: X } } }\n`,
    );
    expect(journal.verdict).toBe('not-steady');
    expect(journal.expectations).toEqual([
      expect.objectContaining({ status: 'missed', detail: 'its clock never started: nothing was injected' }),
    ]);
    const { journal: noReceiver } = await harness.run(
      experiment(sleeper.pid ?? 0, '50ms', '  - { name: alerted, within: 1s, from: start, alert: { labels: { alertname: X } } }'),
    );
    expect(noReceiver.expectations?.[0]).toMatchObject({
      status: 'missed',
      detail: expect.stringMatching(/^could not be watched: no alert receiver behind this run/),
    });
  }, 20_000);
});
