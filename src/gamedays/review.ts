import { formatDuration } from '../util/duration.js';
import type { DayAlert, DayEvent, Phase, StepMeasures, TeamMeasures, Timing } from './measures.js';
import { measureGameDay } from './measures.js';
import { intrusionSections } from './review-intrusion.js';
import type { Progress } from './progress.js';
import type { ReviewNotes } from '../store/gamedays.js';
import type { GameDaySpec, StepTrigger } from './spec.js';

export interface ReviewInput {
  readonly name: string;
  readonly spec: GameDaySpec;
  readonly progress: Progress;
  readonly launchedAt: number | null;
  readonly endedAt: number | null;
  readonly events: readonly DayEvent[];
  readonly alerts: readonly DayAlert[];
  /** What the team wrote: what was learnt, action items. */
  readonly notes?: ReviewNotes | null;
  readonly rerunAt?: number | null;
}

const PHASES: readonly Phase[] = ['detect', 'acknowledge', 'contain', 'recover'];

/** A review as a document: what both renderers (review-render.ts) turn into Markdown and HTML. */
export type ReviewBlock =
  | { readonly text: string; readonly strong?: string }
  | { readonly note: string }
  | { readonly table: { readonly headers: readonly string[]; readonly rows: readonly (readonly string[])[] } };

export interface ReviewDoc {
  readonly title: string;
  readonly intro: readonly ReviewBlock[];
  readonly sections: readonly { readonly heading: string; readonly level: 2 | 3; readonly blocks: readonly ReviewBlock[] }[];
}

const table = (headers: readonly string[], rows: readonly (readonly string[])[]): ReviewBlock => ({ table: { headers, rows } });

/**
 * The game day's review, pre-filled from what happened: the scenario (revealed), the timeline,
 * expected against observed response per team, the expectations, and the places the team fills
 * in (what was learnt, action items), with the re-run that verifies the fix.
 */
export function reviewDoc(input: ReviewInput): ReviewDoc {
  const { spec, progress } = input;
  const measures = measureGameDay(spec, progress, input.events, input.alerts);
  const t0 = input.launchedAt ?? 0;
  const offset = (at: number | undefined) => (at === undefined ? '—' : `+${formatDuration(Math.max(0, at - t0))}`);
  const teams = Object.entries(spec.teams)
    .map(([team, members]) => `${team} (${members.join(', ')})`)
    .join('; ');
  const intro: ReviewBlock[] = [
    {
      text:
        `Game day ${input.name}, facilitated by ${spec.facilitator ?? 'the white cell'}` +
        `${spec.villains.length > 0 ? `; scenario by ${spec.villains.join(', ')}` : ''}. Teams: ${teams}.`,
    },
    {
      text:
        `Launched ${input.launchedAt === null ? '—' : new Date(input.launchedAt).toISOString()}` +
        (input.endedAt === null ? ', still running.' : `, ended ${new Date(input.endedAt).toISOString()}: ${progress.endedReason ?? ''}.`),
    },
  ];
  if (progress.halted) intro.push({ strong: 'Halted', text: 'every fault was reverted at once.' });
  const sections: { heading: string; level: 2 | 3; blocks: ReviewBlock[] }[] = [
    {
      heading: 'The scenario',
      level: 2,
      blocks: [
        table(
          ['step', 'experiment', 'trigger', 'injected', 'run', 'injected cause'],
          spec.scenario.map((step, i) => {
            const state = progress.steps[i];
            return [
              step.name,
              step.experiment,
              describeTrigger(step.trigger),
              offset(state?.injectedAt),
              state?.verdict ? `${state.verdict}${state.runId ? ` (${state.runId})` : ''}` : (state?.state ?? 'waiting'),
              [step.cause?.service, step.cause?.fault].filter(Boolean).join(' / ') || '—',
            ];
          }),
        ),
      ],
    },
    ...intrusionSections(input, measures),
    {
      heading: 'Timeline',
      level: 2,
      blocks: [
        table(
          ['at', 'what', 'detail'],
          timeline(input).map((row) => [offset(row.at), row.what, row.detail]),
        ),
      ],
    },
    { heading: 'Response: expected and observed', level: 2, blocks: [] },
  ];
  for (const step of measures) {
    const blocks: ReviewBlock[] = [];
    sections.push({ heading: step.step, level: 3, blocks });
    if (step.injectedAt === undefined) {
      blocks.push({ text: step.reason ? `Not injected: ${step.reason}` : 'Not injected.' });
      continue;
    }
    blocks.push(
      { text: impactText(step, input.spec) },
      table(
        ['team', ...PHASES.map((p) => `time to ${p}`), 'diagnosis'],
        step.teams.map((team) => [
          team.team,
          ...PHASES.map((phase) =>
            phase === 'recover' && step.brokenMs === undefined
              ? 'nothing to recover: users saw no impact'
              : describeTiming(team.timings[phase]),
          ),
          team.diagnosis ? describeDiagnosis(team.diagnosis) : '—',
        ]),
      ),
    );
    if (step.expectations.length > 0)
      blocks.push(
        table(
          ['expectation', 'result', 'took', 'detail'],
          step.expectations.map((e) => [e.name, e.status.toUpperCase(), e.tookMs === undefined ? '—' : formatDuration(e.tookMs), e.detail]),
        ),
      );
  }
  const notes = input.notes;
  sections.push(
    {
      heading: 'What we learnt',
      level: 2,
      blocks: [
        notes?.learnt ? { text: notes.learnt } : { note: 'For the team to fill in: what worked, what surprised us, what we did not know.' },
      ],
    },
    {
      heading: 'Action items',
      level: 2,
      blocks: [
        table(
          ['action', 'owner', 'due'],
          notes?.actions.length ? notes.actions.map((a) => [a.action, a.owner, a.due]) : [['(to fill in)', '', '']],
        ),
        {
          text: input.rerunAt
            ? `The same scenario plays again on ${new Date(input.rerunAt).toISOString()}, to verify the fix.`
            : 'Once they are done, play the same scenario again to verify the fix: POST /api/v1/gamedays/ID/rerun with the date.',
        },
        ...(notes ? [{ note: `Written by ${notes.by}, ${new Date(notes.at).toISOString()}.` }] : []),
      ],
    },
  );
  return { title: `Review: ${spec.title}`, intro, sections };
}

function describeTrigger(trigger: StepTrigger): string {
  if ('at' in trigger) return trigger.at === 0 ? 'at launch' : `at +${formatDuration(trigger.at)}`;
  if ('manual' in trigger) return 'by the facilitator';
  return `after ${trigger.after.step} ${trigger.after.declared}${trigger.delay ? ` + ${formatDuration(trigger.delay)}` : ''}`;
}

function impactText(step: StepMeasures, spec: GameDaySpec): string {
  if (step.brokenMs === undefined) return 'The hypothesis held throughout: no impact on users was measured.';
  const impact = step.impact;
  const seen = impact
    ? ` Users: ${impact.availabilityPercent} % of the ${impact.checks} checks of the hypothesis succeeded (about ${formatDuration(impact.downMs)} down)` +
      (impact.budgetSpentPercent === undefined
        ? '.'
        : `, ${impact.budgetSpentPercent} % of the error budget of a ${spec.targets.slo} % objective over ${spec.targets.sloWindowDays} days.`)
    : '';
  return `The hypothesis broke ${formatDuration(step.brokenMs)} after the injection.${seen}`;
}

function describeDiagnosis(diagnosis: NonNullable<TeamMeasures['diagnosis']>): string {
  const verdict = diagnosis.correct === undefined ? '' : diagnosis.correct ? ' — correct' : ' — not what was injected';
  return `${diagnosis.said} after ${formatDuration(diagnosis.ms)}${verdict}`;
}

function describeTiming(timing: Timing): string {
  if (timing.ms === undefined) return timing.targetMs === undefined ? '—' : `not done (target ${formatDuration(timing.targetMs)})`;
  const notes = [
    timing.by,
    timing.targetMs === undefined ? undefined : `target ${formatDuration(timing.targetMs)}: ${timing.onTarget ? 'met' : 'missed'}`,
  ];
  const said = notes.filter(Boolean).join('; ');
  return `${formatDuration(timing.ms)}${said ? ` (${said})` : ''}`;
}

function timeline(input: ReviewInput): { at: number; what: string; detail: string }[] {
  const rows: { at: number; what: string; detail: string }[] = [];
  if (input.launchedAt !== null) rows.push({ at: input.launchedAt, what: 'launched', detail: '' });
  input.spec.scenario.forEach((step, i) => {
    const state = input.progress.steps[i];
    if (state?.injectedAt !== undefined) rows.push({ at: state.injectedAt, what: `step ${step.name} injected`, detail: step.experiment });
    if (state?.brokenAt !== undefined)
      rows.push({ at: state.brokenAt, what: `${step.name}: users affected`, detail: 'the hypothesis broke' });
    for (const technique of state?.techniques ?? [])
      rows.push({ at: technique.at, what: `${step.name}: ${technique.id} detonated`, detail: `${technique.fault} on ${technique.target}` });
    if (state?.containedAt !== undefined)
      rows.push({
        at: state.containedAt,
        what: `${step.name}: contained`,
        detail: state.containedBy ?? 'the containment probe turned green',
      });
    if (state?.recoveredAt !== undefined)
      rows.push({ at: state.recoveredAt, what: `${step.name}: recovered`, detail: 'the hypothesis holds again' });
    if (state?.endedAt !== undefined) rows.push({ at: state.endedAt, what: `${step.name}: run ended`, detail: state.verdict ?? '' });
  });
  const since = input.launchedAt ?? 0;
  for (const alert of input.alerts.filter((a) => a.receivedAt >= since && (input.endedAt === null || a.receivedAt <= input.endedAt)))
    rows.push({ at: alert.receivedAt, what: `alert ${alert.labels.alertname ?? ''} ${alert.status}`, detail: labelsOf(alert.labels) });
  for (const event of input.events.filter((e) => e.kind !== 'comcheck'))
    rows.push({
      at: event.at,
      what: event.kind === 'declare' || event.kind === 'finding' ? `${event.team ?? ''}: ${event.what}` : `facilitator: ${event.what}`,
      detail: [event.by, event.cause && describeSaid(event.cause), event.detail].filter(Boolean).join(' — '),
    });
  if (input.endedAt !== null) rows.push({ at: input.endedAt, what: 'ended', detail: input.progress.endedReason ?? '' });
  return rows.sort((a, b) => a.at - b.at);
}

function describeSaid(cause: NonNullable<DayEvent['cause']>): string {
  const parts = [
    cause.service,
    cause.fault,
    cause.techniques?.join(', '),
    cause.entryPoint && `entry ${cause.entryPoint}`,
    cause.hosts?.join(', '),
  ];
  return parts.filter(Boolean).join(' / ');
}

function labelsOf(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .filter(([key]) => key !== 'alertname')
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
}
