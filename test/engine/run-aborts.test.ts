import { afterEach, describe, expect, it } from 'vitest';
import { processState } from '../../src/targets/proc.js';
import { EngineHarness } from '../support/engine.js';
import { Processes } from '../support/processes.js';

const processes = new Processes();
let harness: EngineHarness;

afterEach(async () => {
  await processes.stopAll();
  harness?.dispose();
});

describe('aborting a run', () => {
  it('aborts on a tripped guardrail, reverts at once and skips the rest of the method', async () => {
    harness = new EngineHarness();
    const server = await processes.httpServer();
    const yaml = `
title: guardrail stops a long pause
targets:
  web: { kind: process, selector: { pid: ${server.child.pid} } }
method:
  - name: pause
    fault: process-pause
    target: web
    duration: 20s
  - name: never
    probe: command
    params: { command: [echo, never] }
guardrails:
  - name: errors
    probe: http
    params: { url: "${server.url}", timeout: 100ms }
    interval: 50ms
    window: 1s
    condition: "failureRate > 50%"
`;
    const started = Date.now();
    const { journal, log } = await harness.run(yaml);

    expect(journal.verdict).toBe('aborted');
    expect(journal.reason).toMatch(/^guardrail errors tripped: failureRate \d+\.\d% \(failureRate > 50% over 1s\)$/);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(journal.abort?.latencyMs).toBeGreaterThanOrEqual(0);
    expect(journal.faults[0]).toMatchObject({ status: 'reverted', verification: { ok: true } });
    expect(processState(server.child.pid as number)).not.toBe('T');
    expect(journal.guardrails[0]).toMatchObject({ name: 'errors', tripped: true });
    expect(journal.activities.find((e) => e.activity.name === 'never')).toMatchObject({ status: 'skipped' });
    expect(log.ofType('guardrail-tripped')).toHaveLength(1);
  });

  it('aborts on an external signal, reverts every fault and still runs the rollbacks', async () => {
    harness = new EngineHarness();
    const sleeper = processes.sleep(103);
    const controller = new AbortController();
    const yaml = `
title: interrupted
targets:
  sleeper: { kind: process, selector: { pid: ${sleeper.pid} } }
method:
  - { name: pause, fault: process-pause, target: sleeper }
  - wait: 30s
rollbacks:
  - name: note
    action: command
    params: { command: [echo, rolled back] }
`;
    const running = harness.run(yaml, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('interrupted by SIGINT')), 300);
    const { journal } = await running;

    expect(journal.verdict).toBe('aborted');
    expect(journal.reason).toBe('interrupted by SIGINT');
    expect(journal.faults[0]?.status).toBe('reverted');
    expect(processState(sleeper.pid as number)).not.toBe('T');
    expect(journal.activities.at(-1)).toMatchObject({ activity: { phase: 'rollbacks', name: 'note' }, status: 'succeeded' });
  });

  it('aborts when maxDuration passes', async () => {
    harness = new EngineHarness();
    const { journal } = await harness.run('title: too long\nmethod:\n  - wait: 30s\nruntime: { maxDuration: 200ms }\n');
    expect(journal.verdict).toBe('aborted');
    expect(journal.reason).toBe('maxDuration 200ms exceeded');
  });
});
