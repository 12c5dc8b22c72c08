// A run as its events tell it, kept up to date event by event: the steps and their state, the
// faults (active or reverted), the probes' last values, the chart's series and the timeline.
// Pure TypeScript (no React): the live view renders it, the unit tests feed it events.
import type { ProbeOutput, ResolvedTarget, RunEvent } from '../../../src/server/api-types.js';

export interface LiveStep {
  readonly key: string;
  readonly phase: string;
  readonly kind: string;
  readonly name: string;
  state: 'running' | 'succeeded' | 'failed' | 'deviated' | 'skipped' | 'aborted';
  readonly startedAt: number;
  endedAt?: number;
  error?: string;
}

export interface LiveFault {
  readonly faultId: string;
  readonly step: string;
  readonly type: string;
  readonly target: string;
  readonly injectedAt: number;
  revertedAt?: number;
  verified?: { ok: boolean; detail: string };
}

export interface LiveProbe {
  readonly name: string;
  met?: boolean;
  detail: string;
  at: number;
}

export interface TimelineEntry {
  readonly seq: number;
  readonly at: number;
  readonly text: string;
  readonly tone: 'info' | 'good' | 'bad' | 'fault';
}

export interface LiveState {
  title: string;
  dryRun: boolean;
  startedAt?: number;
  phase?: string;
  /** Events taken, the last seq, and how many seqs were skipped (0 when nothing was lost). */
  received: number;
  lastSeq: number;
  gaps: number;
  steps: LiveStep[];
  faults: Map<string, LiveFault>;
  probes: Map<string, LiveProbe>;
  /** Seconds since the start; per probe, success rate (%) and p99 (ms) at each x (null where another probe read). */
  chart: { x: number[]; probes: string[]; successRate: (number | null)[][]; p99: (number | null)[][] };
  timeline: TimelineEntry[];
  targets: string[];
  ended?: { verdict: string; reason: string };
}

export function emptyLive(): LiveState {
  return {
    title: '',
    dryRun: false,
    received: 0,
    lastSeq: 0,
    gaps: 0,
    steps: [],
    faults: new Map(),
    probes: new Map(),
    chart: { x: [], probes: [], successRate: [], p99: [] },
    timeline: [],
    targets: [],
  };
}

export function targetText(target: ResolvedTarget): string {
  if (target.kind === 'host') return `host ${target.name}`;
  if (target.kind === 'proxy') return `link ${target.name} (${target.listen} → ${target.upstream})`;
  return `pid ${target.pid} (${target.service ?? target.name})`;
}

/** A reading in words: `99.5% ok, p99 120 ms`, or its fields as they come. */
export function readingText(reading: ProbeOutput): string {
  const { successRate, p99 } = reading;
  if (typeof successRate === 'number') {
    return `${(successRate * 100).toFixed(1)}% ok${typeof p99 === 'number' ? `, p99 ${Math.round(p99)} ms` : ''}`;
  }
  return Object.entries(reading)
    .slice(0, 4)
    .map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

/** Takes one event into `state` (mutated: the view re-renders at most once a frame). Events seen already are ignored. */
export function applyEvent(state: LiveState, event: RunEvent): void {
  if (event.seq <= state.lastSeq) return;
  if (state.lastSeq > 0 && event.seq !== state.lastSeq + 1) state.gaps += event.seq - state.lastSeq - 1;
  state.lastSeq = event.seq;
  state.received++;
  const at = Date.parse(event.at);
  const say = (text: string, tone: TimelineEntry['tone'] = 'info') => state.timeline.push({ seq: event.seq, at, text, tone });
  switch (event.type) {
    case 'run-started':
      state.title = event.title;
      state.dryRun = event.dryRun;
      state.startedAt = at;
      say(`run started: ${event.title}${event.dryRun ? ' (dry run: nothing is injected)' : ''}`);
      break;
    case 'targets-resolved':
      state.targets = Object.entries(event.targets).map(([name, list]) => `${name}: ${list.map(targetText).join(', ') || 'none'}`);
      say(`targets resolved — ${state.targets.join('; ')}`);
      break;
    case 'phase-started':
      state.phase = event.phase;
      say(`phase ${event.phase}`);
      break;
    case 'activity-started':
      state.steps.push({ key: `${event.seq}`, phase: event.phase, kind: event.kind, name: event.name, state: 'running', startedAt: at });
      say(`${event.kind} ${event.name} started${event.detail ? `: ${event.detail}` : ''}`);
      break;
    case 'activity-ended': {
      const { activity, status, error } = event.entry;
      const step = state.steps.findLast((s) => s.name === activity.name && s.phase === activity.phase && s.state === 'running');
      if (step) {
        step.state = status;
        step.endedAt = at;
        if (error) step.error = error;
      }
      say(
        `${activity.kind} ${activity.name}: ${status}${error ? ` — ${error}` : ''}`,
        status === 'succeeded' ? 'good' : status === 'skipped' ? 'info' : 'bad',
      );
      break;
    }
    case 'fault-injected': {
      const target = targetText(event.target);
      state.faults.set(event.faultId, { faultId: event.faultId, step: event.step, type: event.faultType, target, injectedAt: at });
      say(`fault ${event.faultType} injected on ${target}`, 'fault');
      break;
    }
    case 'fault-contained':
      say(`${event.faultType} contained by the defenders: ${event.detail}`, 'good');
      break;
    case 'fault-reverted': {
      const fault = state.faults.get(event.faultId);
      if (fault) {
        fault.revertedAt = at;
        fault.verified = event.verification;
      }
      say(
        `fault ${fault?.type ?? event.faultId} reverted${event.verification.ok ? ', verified' : ` — NOT verified: ${event.verification.detail}`}`,
        event.verification.ok ? 'good' : 'bad',
      );
      break;
    }
    case 'hypothesis-checked':
      for (const result of event.results) {
        state.probes.set(result.name, { name: result.name, met: result.met, detail: result.detail, at });
      }
      say(`hypothesis (${event.phase}) ${event.met ? 'met' : 'NOT met'}`, event.met ? 'good' : 'bad');
      break;
    case 'monitor-reading':
      takeReading(state, event.name, event.reading, at);
      break;
    case 'hypothesis-during-summary':
      say(`during the method: ${event.checks} checks, ${event.failedChecks} not met`, event.failedChecks === 0 ? 'good' : 'bad');
      break;
    case 'guardrail-tripped':
      say(`guardrail ${event.name} tripped: ${event.condition}`, 'bad');
      break;
    case 'run-aborting':
      say(`aborting: ${event.reason}`, 'bad');
      break;
    case 'faults-reverted-after-abort':
      say(`${event.count} fault(s) reverted after the abort, in ${Math.round(event.latencyMs)} ms`, 'good');
      break;
    case 'run-ended':
      state.ended = { verdict: event.verdict, reason: event.reason };
      for (const step of state.steps) if (step.state === 'running') step.state = 'aborted';
      say(`ended: ${event.verdict} — ${event.reason}`, event.verdict === 'passed' ? 'good' : 'bad');
      break;
  }
}

function takeReading(state: LiveState, name: string, reading: ProbeOutput, at: number): void {
  const probe = state.probes.get(name) ?? { name, detail: '', at };
  probe.detail = readingText(reading);
  probe.at = at;
  state.probes.set(name, probe);
  const { chart } = state;
  let p = chart.probes.indexOf(name);
  if (p < 0) {
    p = chart.probes.push(name) - 1;
    chart.successRate.push(chart.x.map(() => null));
    chart.p99.push(chart.x.map(() => null));
  }
  chart.x.push((at - (state.startedAt ?? at)) / 1000);
  const number = (value: unknown, scale = 1) => (typeof value === 'number' && Number.isFinite(value) ? value * scale : null);
  chart.successRate.forEach((series, i) => series.push(i === p ? number(reading.successRate, 100) : null));
  chart.p99.forEach((series, i) => series.push(i === p ? number(reading.p99) : null));
}
