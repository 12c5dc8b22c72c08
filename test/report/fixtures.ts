import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineHarness } from '../support/engine.js';
import { Processes } from '../support/processes.js';
import { EventsFile, createRunDirectory, newRunId, readRun, writeJournal } from '../../src/runs/run-directory.js';
import type { StoredRun } from '../../src/runs/run-directory.js';

/** A title no page may show raw. */
export const HOSTILE_TITLE = '<script>alert(1)</script> & "quotes" | pipes';

export type Kind = 'passed' | 'deviated' | 'aborted';

/**
 * Real runs for the report tests: tiny experiments through the real engine, against a real
 * HTTP server in a child process, with an availability probe in the hypothesis so that there
 * are monitor readings around a fault window. Written to a state directory as `firedrill run`
 * writes them (events.jsonl as they happen, journal.json at the end) and read back with readRun.
 *
 * - passed: a `sleep` is paused while the server keeps answering;
 * - deviated: the server itself is paused, so availability drops (its title is hostile);
 * - aborted: the server is paused and a p99 guardrail trips.
 */
export class RecordedRuns {
  readonly stateDir = mkdtempSync(join(tmpdir(), 'firedrill-report-'));
  private readonly processes = new Processes();
  private readonly harness = new EngineHarness();

  async record(kind: Kind): Promise<StoredRun> {
    const server = await this.processes.httpServer();
    const sleeper = this.processes.sleep(307);
    const victim = kind === 'passed' ? sleeper.pid : server.child.pid;
    const guardrail =
      kind !== 'aborted'
        ? ''
        : `
guardrails:
  - name: slow-shop
    probe: http
    params: { url: "${server.url}", timeout: 2s }
    interval: 100ms
    condition: "p99 > 300ms"
`;
    // Samples time out quickly where the server is paused, so that availability visibly falls;
    // the passing run is lenient, so that a loaded machine cannot make it deviate.
    const timeout = kind === 'passed' ? '1s' : '200ms';
    const yaml = `
title: '${kind === 'deviated' ? HOSTILE_TITLE : `A paused process (${kind})`}'
description: '</script><img src=x onerror=alert(2)>'
tags: [report, ${kind}]
targets:
  victim: { kind: process, selector: { pid: ${victim} } }
hypothesis:
  interval: 150ms
  probes:
    - name: shop
      probe: availability
      params: { url: "${server.url}", interval: 50ms, window: 500ms, timeout: ${timeout} }
      tolerance: { successRate: { gte: ${kind === 'passed' ? 0.8 : 0.99} } }
method:
  - wait: 400ms
  - { name: freeze, fault: process-pause, target: victim, duration: ${kind === 'aborted' ? '3s' : '900ms'} }
  - wait: 600ms
${guardrail}`;
    const runId = newRunId();
    const dir = createRunDirectory(this.stateDir, runId);
    const events = new EventsFile(join(dir, 'events.jsonl'));
    try {
      const { journal } = await this.harness.run(yaml, { runId, file: `drills/${kind}.yaml`, seed: 42, observers: [events] });
      writeJournal(dir, journal);
    } finally {
      events.close();
      await this.processes.stopAll();
    }
    return readRun(this.stateDir, runId);
  }

  async dispose(): Promise<void> {
    await this.processes.stopAll();
    this.harness.dispose();
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}
