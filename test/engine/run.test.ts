import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/agent-daemon/ledger.js';
import { LocalExecutor } from '../../src/agent-daemon/local-executor.js';
import { runExperiment } from '../../src/engine/run.js';
import { loadExperimentText } from '../../src/experiment/load.js';
import { faultTypes } from '../../src/faults/index.js';
import { probeTypes } from '../../src/probes/index.js';
import { LocalDiscovery } from '../../src/targets/discovery.js';
import { processState } from '../../src/targets/proc.js';
import { catalog, EngineHarness } from '../support/engine.js';
import { Processes } from '../support/processes.js';

const processes = new Processes();
let harness: EngineHarness;

afterEach(async () => {
  await processes.stopAll();
  harness?.dispose();
});

function pauseExperiment(pid: number, extra = ''): string {
  return `
title: pause a sleeper
targets:
  sleeper: { kind: process, selector: { pid: ${pid} } }
hypothesis:
  interval: 100ms
  probes:
    - name: alive
      probe: command
      params: { command: [test, -d, /proc/${pid}] }
method:
  - name: pause
    fault: process-pause
    target: sleeper
    duration: 300ms
  - name: show
    probe: command
    params: { command: [echo, "paused \${steps.pause.pids}"] }
    tolerance: { stdout: { regex: "paused ${pid}" } }
${extra}`;
}

describe('running an experiment', () => {
  it('passes when the hypothesis holds, with the fault injected, reverted and verified', async () => {
    harness = new EngineHarness();
    const sleeper = processes.sleep(101);
    const { journal, log } = await harness.run(pauseExperiment(sleeper.pid as number));

    expect(journal.verdict).toBe('passed');
    expect(journal.targets.sleeper).toEqual([expect.objectContaining({ kind: 'process', pid: sleeper.pid })]);
    expect(journal.hypothesis.before?.met).toBe(true);
    expect(journal.hypothesis.after?.met).toBe(true);
    expect(journal.hypothesis.during?.checks).toBeGreaterThan(0);
    expect(journal.faults).toEqual([
      expect.objectContaining({ type: 'process-pause', status: 'reverted', verification: expect.objectContaining({ ok: true }) }),
    ]);
    expect(processState(sleeper.pid as number)).not.toBe('T');
    // one journal entry per activity, in order, each with the same shape
    expect(journal.activities.map((e) => `${e.activity.phase}/${e.activity.name}/${e.status}`)).toEqual([
      'hypothesis-before/alive/succeeded',
      'method/pause/succeeded',
      'method/show/succeeded',
      'hypothesis-after/alive/succeeded',
    ]);
    for (const entry of journal.activities)
      expect(Object.keys(entry)).toEqual(expect.arrayContaining(['activity', 'status', 'output', 'start', 'end', 'durationMs']));
    const types = log.events.map((e) => e.type);
    expect(types.indexOf('fault-injected')).toBeLessThan(types.indexOf('fault-reverted'));
    expect(types.at(-1)).toBe('run-ended');
  });

  it('injects nothing when the system is not steady before the method', async () => {
    harness = new EngineHarness();
    const sleeper = processes.sleep(102);
    const yaml = pauseExperiment(sleeper.pid as number).replace(`[test, -d, /proc/${sleeper.pid}]`, '[test, -d, /nonexistent-firedrill]');
    const { journal, ledger } = await harness.run(yaml);

    expect(journal.verdict).toBe('not-steady');
    expect(journal.reason).toMatch(/^not steady before the method: alive: /);
    expect(journal.faults).toEqual([]);
    expect(ledger.open()).toEqual([]);
    expect(journal.activities.filter((e) => e.activity.phase === 'method')).toEqual([]);
  });

  it('deviates when the hypothesis breaks during the method, and says where', async () => {
    harness = new EngineHarness();
    const server = await processes.httpServer();
    const yaml = `
title: pause the web server
targets:
  web: { kind: process, selector: { pid: ${server.child.pid} } }
hypothesis:
  interval: 150ms
  probes:
    - name: home
      probe: http
      params: { url: "${server.url}", timeout: 200ms }
method:
  - name: pause
    fault: process-pause
    target: web
    duration: 800ms
`;
    const { journal } = await harness.run(yaml);

    expect(journal.verdict).toBe('deviated');
    expect(journal.reason).toMatch(/hypothesis during the method: home not met in \d+ of \d+ checks/);
    expect(journal.hypothesis.during?.probes.home?.failures).toBeGreaterThan(0);
    expect(journal.hypothesis.after?.met).toBe(true);
    expect(processState(server.child.pid as number)).not.toBe('T');
  });

  it('fails the run on a failing action unless the step continues on error', async () => {
    harness = new EngineHarness();
    const failing = `
title: failing action
method:
  - { name: boom, action: command, params: { command: ["false"] } }
  - { name: after, action: command, params: { command: ["true"] } }
`;
    const failed = await harness.run(failing);
    expect(failed.journal.verdict).toBe('failed');
    expect(failed.journal.reason).toMatch(/^action boom failed: /);
    expect(failed.journal.activities.map((e) => e.status)).toEqual(['failed', 'skipped']);

    const tolerated = await harness.run(
      failing.replace('params: { command: ["false"] }', 'params: { command: ["false"] }, continueOnError: true'),
    );
    expect(tolerated.journal.verdict).toBe('passed');
    expect(tolerated.journal.activities.map((e) => e.status)).toEqual(['failed', 'succeeded']);
  });

  it('fails when a target set matches nothing, and skips when it says so', async () => {
    harness = new EngineHarness();
    const yaml = `
title: nothing to hit
targets:
  ghost: { kind: process, selector: { cmdline: "^no-such-process-firedrill$" } }
method:
  - { name: pause, fault: process-pause, target: ghost, duration: 1s }
`;
    const failed = await harness.run(yaml);
    expect(failed.journal.verdict).toBe('failed');
    expect(failed.journal.reason).toBe('target set ghost matched nothing (ifEmpty: fail)');

    const skipped = await harness.run(yaml.replace('selector: { cmdline', 'ifEmpty: skip, selector: { cmdline'));
    expect(skipped.journal.verdict).toBe('passed');
    expect(skipped.journal.activities[0]).toMatchObject({ status: 'skipped' });
  });

  it('replays the same random selection with the same seed', async () => {
    harness = new EngineHarness();
    const sleepers = [1, 2, 3, 4, 5].map(() => processes.sleep(104));
    const yaml = `
title: one of five
targets:
  any: { kind: process, selector: { cmdline: "^sleep 104$" }, mode: one }
method:
  - wait: 0s
`;
    const picks = async (seed: number) =>
      (await harness.run(yaml, { seed })).journal.targets.any?.map((t) => (t.kind === 'process' ? t.pid : 0));
    const first = await picks(7);
    expect(first).toHaveLength(1);
    expect(sleepers.map((s) => s.pid)).toContain(first?.[0]);
    expect(await picks(7)).toEqual(first);
  });

  it('redacts secret values from events and the journal', async () => {
    harness = new EngineHarness();
    const yaml = `
title: secret
variables:
  token: { secret: true }
method:
  - name: print
    action: command
    params: { command: [echo, "token=\${token}"] }
`;
    const { journal, log } = await harness.run(yaml, { vars: { token: 'hunter2-secret' } });
    expect(journal.verdict).toBe('passed');
    expect(JSON.stringify(journal)).not.toContain('hunter2-secret');
    expect(JSON.stringify(log.events)).not.toContain('hunter2-secret');
    expect(JSON.stringify(journal.activities[0]?.output)).toContain('token=***');
  });

  it('keeps running when an observer throws', async () => {
    harness = new EngineHarness();
    const broken = {
      name: 'broken',
      onEvent: () => {
        throw new Error('observer bug');
      },
    };
    const { journal } = await harness.run('title: t\nmethod:\n  - wait: 10ms\n', { observers: [broken] });
    expect(journal.verdict).toBe('passed');
  });

  it('runs parallel steps together', async () => {
    harness = new EngineHarness();
    const yaml = `
title: parallel
method:
  - name: both
    parallel:
      - wait: 300ms
      - wait: 300ms
`;
    const { journal } = await harness.run(yaml);
    const group = journal.activities.find((e) => e.activity.kind === 'parallel');
    expect(group?.status).toBe('succeeded');
    const waits = journal.activities.filter((e) => e.activity.kind === 'wait');
    expect(waits).toHaveLength(2);
    // started together: the second began before the first ended
    expect(Date.parse(waits[1]?.start ?? '')).toBeLessThan(Date.parse(waits[0]?.end ?? ''));
  });

  it('plans a dry run: targets resolved, every activity recorded as skipped, nothing injected', async () => {
    harness = new EngineHarness();
    const sleeper = processes.sleep(105);
    const yaml = `${pauseExperiment(sleeper.pid as number)}rollbacks:\n  - { name: tidy, action: command, params: { command: ["true"] } }\n`;
    const { journal, ledger } = await harness.run(yaml, { dryRun: true });

    expect(journal.verdict).toBe('passed');
    expect(journal.dryRun).toBe(true);
    expect(journal.targets.sleeper).toEqual([expect.objectContaining({ pid: sleeper.pid })]);
    expect(journal.activities.map((e) => `${e.activity.phase}/${e.activity.name}/${e.status}`)).toEqual([
      'method/pause/skipped',
      'method/show/skipped',
      'rollbacks/tidy/skipped',
    ]);
    expect(journal.faults).toEqual([]);
    expect(ledger.open()).toEqual([]);
  });

  it('keeps an availability monitor running during the method and reports its readings', async () => {
    harness = new EngineHarness();
    const server = await processes.httpServer();
    const yaml = `
title: availability during a wait
hypothesis:
  interval: 200ms
  probes:
    - name: avail
      probe: availability
      params: { url: "${server.url}", interval: 50ms, window: 1s }
      tolerance: { successRate: { gte: 0.99 } }
method:
  - wait: 700ms
`;
    const { journal, log } = await harness.run(yaml);
    expect(journal.verdict).toBe('passed');
    const readings = log.ofType('monitor-reading');
    expect(readings.length).toBeGreaterThan(1);
    expect(readings.at(-1)?.reading).toMatchObject({ successRate: 1 });
    expect(journal.hypothesis.during?.probes.avail?.failures).toBe(0);
  });

  it('fails the run when a fault cannot be injected, and says why', async () => {
    harness = new EngineHarness();
    const sleeper = processes.sleep(106);
    const yaml = `
title: restart without a start command
targets:
  s: { kind: process, selector: { pid: ${sleeper.pid} } }
method:
  - { name: restart, fault: process-restart, target: s, duration: 100ms }
  - { name: after, action: command, params: { command: ["true"] } }
`;
    const { journal } = await harness.run(yaml);
    expect(journal.verdict).toBe('failed');
    expect(journal.reason).toMatch(/^process-restart failed on 1 of 1 targets: /);
    expect(journal.activities.map((e) => e.status)).toEqual(['failed', 'skipped']);
    expect(processState(sleeper.pid as number)).toBe('S');
  });

  it('probes until the tolerance is met and records how long that took', async () => {
    harness = new EngineHarness();
    const marker = `${harness.dir}/ready`;
    // The marker appears 0.4 s after the run starts (a background shell of the test's own).
    const yaml = `
title: until
method:
  - name: later
    action: command
    params: { command: [sh, -c, "(sleep 0.4 && touch ${marker}) >/dev/null 2>&1 &"] }
  - name: ready
    probe: command
    params: { command: [test, -f, "${marker}"] }
    until: 5s
    every: 50ms
  - name: never
    probe: command
    params: { command: ["false"] }
    until: 200ms
    every: 50ms
`;
    const { journal } = await harness.run(yaml);
    const ready = journal.activities.find((e) => e.activity.name === 'ready');
    expect(ready?.status).toBe('succeeded');
    expect(ready?.output).toMatchObject({ output: { attempts: expect.any(Number), waitedMs: expect.any(Number) } });
    expect((ready?.output as { output: { attempts: number } }).output.attempts).toBeGreaterThan(1);
    const never = journal.activities.find((e) => e.activity.name === 'never');
    expect(never?.status).toBe('deviated');
    expect((never?.output as { detail: string }).detail).toMatch(/after \d+ attempts/);
  });

  it('fails a step naming a target set that does not exist, even one named like a property of every object', async () => {
    harness = new EngineHarness();
    // The loader refuses these names; an experiment built without it must not read the prototype.
    const { experiment } = loadExperimentText(
      'test.yaml',
      'title: t\ntargets:\n  here: { kind: host }\nmethod:\n  - { fault: cpu-stress, target: here, duration: 100ms }\n',
      { catalog, env: {} },
    );
    const ledger = new Ledger(join(harness.dir, 'ledger.db'));
    try {
      for (const target of ['constructor', 'toString', '__proto__']) {
        const step = { ...experiment.method[0], target } as (typeof experiment.method)[number];
        const journal = await runExperiment(
          { ...experiment, method: [step] },
          {
            executor: new LocalExecutor({ ledger, faults: faultTypes, workDir: harness.dir }),
            probes: probeTypes,
            discovery: new LocalDiscovery(undefined),
            observers: [],
          },
          { runId: `proto-${target}`, file: 'test.yaml', seed: 1 },
        );
        expect(journal.verdict).toBe('failed');
        expect(journal.reason).toBe(`step step-1: unknown target set "${target}"`);
        expect(journal.faults).toEqual([]);
      }
    } finally {
      ledger.close();
    }
  });

  it('fails a step reference to a field that every object has but the output does not', async () => {
    harness = new EngineHarness();
    const yaml = `
title: prototype fields
method:
  - { name: first, action: command, params: { command: [echo, hi] } }
  - { name: second, action: command, params: { command: [echo, "\${steps.first.constructor}"] } }
`;
    const { journal } = await harness.run(yaml);
    expect(journal.verdict).toBe('failed');
    expect(journal.reason).toMatch(/no field "constructor" in the output of step first/);
  });
});
