import { describe, expect, it } from 'vitest';
import type { ExpectationRecord } from '../../src/engine/expectation.js';
import { coverageOf, median } from '../../src/coverage/coverage.js';
import { detonated, runObservations, runOutcome, stepObservations } from '../../src/coverage/observation.js';
import type { TechniqueObservation } from '../../src/coverage/observation.js';
import { techniques } from '../../src/techniques/index.js';
import { isTechnique } from '../../src/techniques/technique.js';

const expectation = (status: ExpectationRecord['status'], tookMs?: number, never = false): ExpectationRecord => ({
  name: `e-${status}-${tookMs ?? 'none'}`,
  kind: 'alert',
  within: 60_000,
  never,
  status,
  ...(tookMs !== undefined && { tookMs }),
  detail: '',
});

const seen = (techniqueId: string, at: number, outcome: TechniqueObservation['outcome'], ttdMs?: number, id = `r-${at}`) =>
  ({
    techniqueId,
    at,
    source: { kind: 'run', id, title: id },
    outcome,
    ...(ttdMs !== undefined && { ttdMs }),
  }) satisfies TechniqueObservation;

const row = (report: ReturnType<typeof coverageOf>, id: string) => {
  const found = report.techniques.find((t) => t.techniqueId === id);
  if (!found) throw new Error(`no row ${id}`);
  return found;
};

describe('the outcome of a run for the techniques it detonated', () => {
  it('is detected with the quickest met expectation’s time, ignoring `never` ones', () => {
    expect(
      runOutcome([expectation('late', 90_000), expectation('met', 4000), expectation('met', 2500), expectation('missed', 1, true)]),
    ).toEqual({
      outcome: 'detected',
      ttdMs: 2500,
    });
  });

  it('is late when the only sightings came after the deadline, missed when none came, not measured when nothing watched', () => {
    expect(runOutcome([expectation('late', 90_000), expectation('missed')])).toEqual({ outcome: 'late', ttdMs: 90_000 });
    expect(runOutcome([expectation('missed'), expectation('missed')])).toEqual({ outcome: 'missed' });
    expect(runOutcome([expectation('met', 10, true)])).toEqual({ outcome: 'not-measured' });
    expect(runOutcome(undefined)).toEqual({ outcome: 'not-measured' });
  });

  it('counts only technique faults that were injected, each technique once; a dry run counts nothing', () => {
    const faults = [
      { type: 'cron-persistence', injectedAt: '2026-12-01T10:00:00Z' },
      { type: 'cron-persistence', injectedAt: '2026-12-01T10:00:01Z' },
      { type: 'web-shell' }, // never injected
      { type: 'process-pause', injectedAt: '2026-12-01T10:00:00Z' }, // not a technique
      { type: 'local-account', injectedAt: '2026-12-01T10:00:02Z' },
    ];
    expect(detonated(faults)).toEqual(['T1053.003', 'T1136.001']);
    const run = { id: 'r1', title: 't', startedAt: '2026-12-01T10:00:00Z', dryRun: false, faults, expectations: [expectation('met', 800)] };
    expect(runObservations(run)).toEqual([
      {
        techniqueId: 'T1053.003',
        at: Date.parse('2026-12-01T10:00:00Z'),
        source: { kind: 'run', id: 'r1', title: 't' },
        outcome: 'detected',
        ttdMs: 800,
      },
      {
        techniqueId: 'T1136.001',
        at: Date.parse('2026-12-01T10:00:00Z'),
        source: { kind: 'run', id: 'r1', title: 't' },
        outcome: 'detected',
        ttdMs: 800,
      },
    ]);
    expect(runObservations({ ...run, dryRun: true })).toEqual([]);
  });
});

describe('the outcome of a game-day step, per team', () => {
  it('is detected on target, late off target, missed when the team never detected', () => {
    const observations = stepObservations({
      gameday: { id: 'g1', title: 'day' },
      step: 'persist',
      injectedAt: 1000,
      techniqueIds: ['T1053.003'],
      teams: [
        { team: 'blue', detect: { ms: 30_000, onTarget: true } },
        { team: 'red', detect: { ms: 400_000, onTarget: false } },
        { team: 'green', detect: {} },
        { team: 'no-target', detect: { ms: 5000 } },
      ],
    });
    expect(observations.map((o) => [o.source.kind === 'gameday' && o.source.team, o.outcome, o.ttdMs])).toEqual([
      ['blue', 'detected', 30_000],
      ['red', 'late', 400_000],
      ['green', 'missed', undefined],
      ['no-target', 'detected', 5000],
    ]);
  });
});

describe('coverage per technique', () => {
  it('lists every registered technique, the ones never detonated as never tested', () => {
    const report = coverageOf([]);
    const registered = techniques.filter(isTechnique).map((t) => t.attack.id);
    expect(report.techniques.map((t) => t.techniqueId).sort()).toEqual([...new Set(registered)].sort());
    expect(report.techniques.every((t) => t.status === 'never-tested' && t.drills === 0 && t.medianTtdMs === null && t.last === null)).toBe(
      true,
    );
    expect(row(report, 'T1053.003')).toMatchObject({ name: 'Scheduled Task/Job: Cron', kinds: ['cron-persistence'] });
    expect(row(report, 'T1053.003').tactics).toEqual(['Execution', 'Persistence', 'Privilege Escalation']);
  });

  it('takes the status of the most recent measured observation and keeps the counts of all', () => {
    const report = coverageOf([
      seen('T1053.003', 1000, 'missed'),
      seen('T1053.003', 3000, 'detected', 20_000),
      seen('T1053.003', 2000, 'late', 200_000),
      seen('T1053.003', 4000, 'not-measured'),
      seen('T1505.003', 1000, 'detected', 1000),
      seen('T1505.003', 2000, 'missed'),
      seen('T1571', 5000, 'late', 70_000),
      seen('T1046', 5000, 'not-measured'),
    ]);
    expect(row(report, 'T1053.003')).toMatchObject({
      status: 'detected',
      drills: 4,
      counts: { detected: 1, late: 1, missed: 1, 'not-measured': 1 },
      medianTtdMs: 110_000,
      last: { at: 4000, outcome: 'not-measured' },
    });
    expect(row(report, 'T1505.003')).toMatchObject({ status: 'missed', drills: 2, medianTtdMs: 1000 });
    expect(row(report, 'T1571')).toMatchObject({ status: 'late', medianTtdMs: 70_000 });
    expect(row(report, 'T1046')).toMatchObject({ status: 'not-measured', medianTtdMs: null });
    expect(row(report, 'T1098.004').status).toBe('never-tested');
  });

  it('counts a game day once in its drills however many teams observed it', () => {
    const day = stepObservations({
      gameday: { id: 'g1', title: 'day' },
      step: 's',
      injectedAt: 10,
      techniqueIds: ['T1571'],
      teams: [
        { team: 'a', detect: { ms: 10 } },
        { team: 'b', detect: { ms: 30 } },
      ],
    });
    expect(row(coverageOf(day), 'T1571')).toMatchObject({ drills: 1, counts: { detected: 2 }, medianTtdMs: 20 });
  });

  it('puts the tactics the techniques serve in the order of the ATT&CK matrix', () => {
    expect(coverageOf([]).tactics).toEqual([
      'Execution',
      'Persistence',
      'Privilege Escalation',
      'Credential Access',
      'Discovery',
      'Command and Control',
      'Exfiltration',
    ]);
  });

  it('keeps a technique seen in a drill but no longer registered', () => {
    expect(row(coverageOf([seen('T9999', 1, 'missed')]), 'T9999')).toMatchObject({ name: 'T9999', kinds: [], status: 'missed' });
  });

  it('takes the median of an odd and an even count', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});
