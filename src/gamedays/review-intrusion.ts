import { tacticsOf } from '../techniques/technique.js';
import { formatDuration } from '../util/duration.js';
import type { StepMeasures } from './measures.js';
import { attackOf, intrusionTruth, scoreReconstructions } from './reconstruction.js';
import type { SetScore } from './reconstruction.js';
import type { ReviewBlock, ReviewInput } from './review.js';

type Section = { heading: string; level: 2 | 3; blocks: ReviewBlock[] };

/**
 * The review's part on a simulated intrusion, when the day detonated techniques: what really
 * happened (revealed now), the attack's timeline — each technique detonated, first detected,
 * contained — and each team's reconstruction scored against it.
 */
export function intrusionSections(input: ReviewInput, measures: readonly StepMeasures[]): Section[] {
  const attack = attackOf(input.progress);
  if (attack.length === 0) return [];
  const truth = intrusionTruth(input.spec, input.progress);
  const t0 = input.launchedAt ?? 0;
  const offset = (at: number | undefined) => (at === undefined ? '—' : `+${formatDuration(Math.max(0, at - t0))}`);
  const rows = measures.flatMap((step) =>
    (step.attack ?? []).map((technique) => {
      const injectedAt = step.injectedAt ?? 0;
      const detected = step.teams
        .flatMap((team) =>
          team.timings.detect.ms === undefined ? [] : [[team.timings.detect.ms, `${team.team}: ${team.timings.detect.by ?? ''}`] as const],
        )
        .sort((a, b) => a[0] - b[0])[0];
      return [
        `${technique.id} ${technique.name}`,
        tacticsOf(technique.id).join(', ') || '—',
        step.step,
        technique.target,
        offset(injectedAt + technique.atMs),
        detected ? `${offset(injectedAt + detected[0])} (${detected[1]})` : 'missed',
        technique.containedMs === undefined
          ? 'not contained by the team'
          : `${offset(injectedAt + technique.containedMs)} (${technique.contained ?? ''})`,
      ];
    }),
  );
  const scores = scoreReconstructions(input.spec, input.progress, input.events);
  return [
    {
      heading: 'The intrusion',
      level: 2,
      blocks: [
        {
          strong: 'What happened',
          text:
            `Entry point: ${truth.entryPoint ?? 'not said'}. Techniques: ${truth.techniques.join(', ')}. ` +
            `Hosts: ${truth.hosts.join(', ') || '—'}.`,
        },
        {
          table: {
            headers: ['technique', 'tactics', 'step', 'on', 'detonated', 'first detected', 'contained'],
            rows,
          },
        },
      ],
    },
    {
      heading: 'Reconstruction',
      level: 3,
      blocks:
        scores.length === 0
          ? [{ note: 'No team filed a reconstruction (the techniques, the entry point, the hosts) in its console.' }]
          : [
              {
                table: {
                  headers: [
                    'team',
                    'techniques: precision / recall',
                    'right',
                    'missed',
                    'wrong',
                    'entry point',
                    'hosts: precision / recall',
                    'filed',
                  ],
                  rows: scores.map((s) => [
                    s.team,
                    ratio(s.techniques),
                    s.techniques.right.join(', ') || '—',
                    s.techniques.missed.join(', ') || '—',
                    s.techniques.wrong.join(', ') || '—',
                    s.entryPoint.said === undefined ? 'not said' : `${s.entryPoint.said}: ${s.entryPoint.right ? 'right' : 'wrong'}`,
                    ratio(s.hosts),
                    `${offset(s.at)} by ${s.by}`,
                  ]),
                },
              },
            ],
    },
  ];
}

function ratio(score: SetScore): string {
  const percent = (n: number | undefined) => (n === undefined ? '—' : `${Math.round(n * 100)} %`);
  return `${percent(score.precision)} / ${percent(score.recall)}`;
}
