import { describe, expect, it } from 'vitest';
import type { RunEvent, RunEventBody } from '../../src/server/api-types.js';
import { applyEvent, emptyLive } from '../../web/src/runs/live-state.js';

const T0 = Date.parse('2026-12-06T10:00:00Z');
const target = { kind: 'process', pid: 42, name: 'sleep', cmdline: 'sleep 600' } as const;

function events(...bodies: RunEventBody[]): RunEvent[] {
  return bodies.map((body, i) => ({ ...body, runId: 'r1', seq: i + 1, at: new Date(T0 + i * 1000).toISOString() }));
}

const RUN = events(
  { type: 'run-started', title: 'Pause', dryRun: false, seed: 1 },
  { type: 'targets-resolved', targets: { worker: [target] } },
  { type: 'phase-started', phase: 'method' },
  { type: 'activity-started', phase: 'method', kind: 'fault', name: 'pause' },
  { type: 'fault-injected', faultId: 'f1', step: 'pause', faultType: 'process-pause', target, output: {} },
  { type: 'monitor-reading', name: 'site', reading: { successRate: 0.5, p99: 120 } },
  { type: 'monitor-reading', name: 'db', reading: { successRate: 1, p99: 3 } },
  { type: 'fault-reverted', faultId: 'f1', step: 'pause', verification: { ok: true, detail: 'pid 42 runs (state S)' } },
  {
    type: 'activity-ended',
    entry: {
      activity: { phase: 'method', kind: 'fault', name: 'pause' },
      status: 'succeeded',
      output: {},
      start: '',
      end: '',
      durationMs: 2000,
    },
  },
  { type: 'run-ended', verdict: 'passed', reason: 'the hypothesis held' },
);

describe('the live view state', () => {
  it('follows a run: targets, step, fault window, probe readings per series, verdict', () => {
    const live = emptyLive();
    for (const event of RUN) applyEvent(live, event);
    expect(live.title).toBe('Pause');
    expect(live.targets).toEqual(['worker: pid 42 (sleep)']);
    expect(live.steps).toMatchObject([{ name: 'pause', state: 'succeeded', startedAt: T0 + 3000, endedAt: T0 + 8000 }]);
    expect(live.faults.get('f1')).toMatchObject({
      type: 'process-pause',
      target: 'pid 42 (sleep)',
      injectedAt: T0 + 4000,
      revertedAt: T0 + 7000,
    });
    expect(live.chart).toEqual({
      x: [5, 6],
      probes: ['site', 'db'],
      successRate: [
        [50, null],
        [null, 100],
      ],
      p99: [
        [120, null],
        [null, 3],
      ],
    });
    expect(live.probes.get('site')?.detail).toBe('50.0% ok, p99 120 ms');
    expect(live.ended).toEqual({ verdict: 'passed', reason: 'the hypothesis held' });
    expect(live.timeline.map((e) => e.text)).toContain('fault process-pause injected on pid 42 (sleep)');
    expect(live).toMatchObject({ received: 10, lastSeq: 10, gaps: 0 });
  });

  it('counts events lost between two it received, and ignores one it already has (a resumed stream)', () => {
    const live = emptyLive();
    for (const event of [RUN[0], RUN[1], RUN[4], RUN[4], RUN[3], RUN[5]]) if (event) applyEvent(live, event);
    expect(live).toMatchObject({ received: 4, lastSeq: 6, gaps: 2 });
  });

  it('marks the steps still running as aborted when the run ends without them', () => {
    const live = emptyLive();
    for (const event of [...RUN.slice(0, 5), { ...RUN[9], seq: 6 } as RunEvent]) applyEvent(live, event);
    expect(live.steps.map((s) => s.state)).toEqual(['aborted']);
    expect(live.faults.get('f1')?.revertedAt).toBeUndefined();
  });
});
