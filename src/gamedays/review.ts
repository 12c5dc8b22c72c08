import { escapeMarkdown } from '../report/escape.js';
import { mdTable } from '../report/markdown-table.js';
import { formatDuration } from '../util/duration.js';
import type { DayAlert, DayEvent, Phase, TeamMeasures, Timing } from './measures.js';
import { measureGameDay } from './measures.js';
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

/**
 * The game day's review, pre-filled from what happened: the scenario (revealed), the timeline,
 * expected against observed response per team, the expectations, and the places the team fills
 * in (what was learnt, action items). Markdown: for the wiki, the pull request, the app.
 */
export function reviewMarkdown(input: ReviewInput): string {
  const { spec, progress } = input;
  const measures = measureGameDay(spec, progress, input.events, input.alerts);
  const t0 = input.launchedAt ?? 0;
  const offset = (at: number | undefined) => (at === undefined ? '—' : `+${formatDuration(Math.max(0, at - t0))}`);
  const parts = [
    `# Review: ${escapeMarkdown(spec.title)}`,
    [
      `Game day **${escapeMarkdown(input.name)}**, facilitated by ${escapeMarkdown(spec.facilitator ?? 'the white cell')}`,
      spec.villains.length > 0 ? `; scenario by ${escapeMarkdown(spec.villains.join(', '))}` : '',
      `. Teams: ${escapeMarkdown(
        Object.entries(spec.teams)
          .map(([team, members]) => `${team} (${members.join(', ')})`)
          .join('; '),
      )}.`,
      `\nLaunched ${input.launchedAt === null ? '—' : new Date(input.launchedAt).toISOString()}`,
      input.endedAt === null
        ? ', still running.'
        : `, ended ${new Date(input.endedAt).toISOString()}: ${escapeMarkdown(progress.endedReason ?? '')}.`,
      progress.halted ? ' **Halted**: every fault was reverted at once.' : '',
    ].join(''),
    '## The scenario',
    mdTable(
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
    '## Timeline',
    mdTable(
      ['at', 'what', 'detail'],
      timeline(input).map((row) => [offset(row.at), row.what, row.detail]),
    ),
    '## Response: expected and observed',
  ];
  for (const step of measures) {
    parts.push(`### ${escapeMarkdown(step.step)}`);
    if (step.injectedAt === undefined) {
      parts.push(step.reason ? `Not injected: ${escapeMarkdown(step.reason)}` : 'Not injected.');
      continue;
    }
    parts.push(
      step.brokenMs === undefined
        ? 'The hypothesis held throughout: no impact on users was measured.'
        : `The hypothesis broke ${formatDuration(step.brokenMs)} after the injection.`,
      mdTable(
        ['team', ...PHASES.map((p) => `time to ${p}`), 'diagnosis'],
        step.teams.map((team) => [
          team.team,
          ...PHASES.map((phase) => describeTiming(team.timings[phase])),
          team.diagnosis ? describeDiagnosis(team.diagnosis) : '—',
        ]),
      ),
    );
    if (step.expectations.length > 0)
      parts.push(
        mdTable(
          ['expectation', 'result', 'took', 'detail'],
          step.expectations.map((e) => [e.name, e.status.toUpperCase(), e.tookMs === undefined ? '—' : formatDuration(e.tookMs), e.detail]),
        ),
      );
  }
  const notes = input.notes;
  parts.push(
    '## What we learnt',
    notes?.learnt ? escapeMarkdown(notes.learnt) : '_For the team to fill in: what worked, what surprised us, what we did not know._',
    '## Action items',
    mdTable(
      ['action', 'owner', 'due'],
      notes?.actions.length ? notes.actions.map((a) => [a.action, a.owner, a.due]) : [['(to fill in)', '', '']],
    ),
    input.rerunAt
      ? `The same scenario plays again on ${new Date(input.rerunAt).toISOString()}, to verify the fix.`
      : `Once they are done, play the same scenario again to verify the fix: \`POST /api/v1/gamedays/ID/rerun\` with the date.`,
  );
  if (notes) parts.push(`_Written by ${escapeMarkdown(notes.by)}, ${new Date(notes.at).toISOString()}._`);
  return `${parts.join('\n\n')}\n`;
}

function describeTrigger(trigger: StepTrigger): string {
  if ('at' in trigger) return trigger.at === 0 ? 'at launch' : `at +${formatDuration(trigger.at)}`;
  if ('manual' in trigger) return 'by the facilitator';
  return `after ${trigger.after.step} ${trigger.after.declared}${trigger.delay ? ` + ${formatDuration(trigger.delay)}` : ''}`;
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
    if (state?.containedAt !== undefined)
      rows.push({ at: state.containedAt, what: `${step.name}: contained`, detail: 'the containment probe turned green' });
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
      what: event.kind === 'declare' ? `${event.team ?? ''}: ${event.what}` : `facilitator: ${event.what}`,
      detail: [event.by, event.cause && [event.cause.service, event.cause.fault].filter(Boolean).join(' / '), event.detail]
        .filter(Boolean)
        .join(' — '),
    });
  if (input.endedAt !== null) rows.push({ at: input.endedAt, what: 'ended', detail: input.progress.endedReason ?? '' });
  return rows.sort((a, b) => a.at - b.at);
}

function labelsOf(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .filter(([key]) => key !== 'alertname')
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
}
