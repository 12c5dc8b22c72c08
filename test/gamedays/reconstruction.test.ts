import { describe, expect, it } from 'vitest';
import { takeRunEvents } from '../../src/gamedays/attack-steps.js';
import type { DayEvent } from '../../src/gamedays/measures.js';
import type { Progress, StepProgress } from '../../src/gamedays/progress.js';
import { intrusionTruth, scoreReconstructions } from '../../src/gamedays/reconstruction.js';
import { loadGameDayText } from '../../src/gamedays/spec.js';
import { faultTypes } from '../../src/faults/index.js';

const DAY = (intrusion = '') => `name: intrusion
title: brute force, a key, a backdoor
teams: { red: [rita], blue: [bob], green: [gus] }
${intrusion}
scenario:
  - { name: entry, experiment: brute }
  - { name: settle, experiment: settle }
`;

const host = (name: string) => ({ kind: 'host' as const, name });

/** A step whose run detonated these techniques (fault kinds), each on a host, and contained those given. */
function stepOf(name: string, detonations: readonly [string, string, number, number?][]): StepProgress {
  const state: StepProgress = { name, state: 'ended' };
  let seq = 0;
  takeRunEvents(
    state,
    detonations.flatMap(([fault, on, at, containedAt], i) => [
      { seq: ++seq, at, body: { type: 'fault-injected', faultId: `f${i + 1}`, step: 's', faultType: fault, target: host(on), output: {} } },
      ...(containedAt === undefined
        ? []
        : [
            {
              seq: ++seq,
              at: containedAt,
              body: { type: 'fault-contained' as const, faultId: `f${i + 1}`, step: 's', faultType: fault, detail: `${fault} gone` },
            },
          ]),
    ]),
    faultTypes,
  );
  return state;
}

const finding = (team: string, at: number, cause: DayEvent['cause']): DayEvent => ({
  kind: 'finding',
  team,
  what: 'reconstruction',
  by: team,
  at,
  detail: null,
  cause,
});

describe("an intrusion's ground truth and the teams' reconstructions", () => {
  const progress: Progress = {
    paused: false,
    commandsReadUntil: 0,
    steps: [
      stepOf('entry', [['brute-force', 'web-1', 1000, 5000]]),
      stepOf('settle', [
        ['ssh-authorized-key', 'web-1', 2000, 7000],
        ['backdoor-listener', 'web-2', 2500],
        ['process-pause', 'web-2', 2600], // a fault, not a technique: not part of the attack
      ]),
    ],
  };

  it('takes the techniques detonated from the runs, and the step contained only once every one of them is', () => {
    expect(progress.steps[0]).toMatchObject({ injectedAt: 1000, containedAt: 5000, containedBy: 'brute-force gone' });
    expect(progress.steps[1]?.techniques?.map((t) => [t.id, t.target, t.containedAt])).toEqual([
      ['T1098.004', 'web-1', 7000],
      ['T1571', 'web-2', undefined],
    ]);
    expect(progress.steps[1]?.containedAt).toBeUndefined();
    const { spec } = loadGameDayText('day.yaml', DAY());
    expect(intrusionTruth(spec, progress)).toEqual({
      techniques: ['T1110.001', 'T1098.004', 'T1571'],
      entryPoint: 'T1110.001',
      hosts: ['web-1', 'web-2'],
    });
  });

  it('scores precision and recall of techniques and hosts, the entry point, the last finding of each team', () => {
    const { spec } = loadGameDayText('day.yaml', DAY('intrusion: { entryPoint: T1078, hosts: [web-1, web-2, db-1] }'));
    const events = [
      finding('red', 100, { techniques: ['T1110'], entryPoint: 'T1110.001', hosts: [] }), // replaced by its next one
      finding('red', 200, { techniques: ['t1110', 'T1098.004 ', 'T1571', 'T1003'], entryPoint: ' t1078 ', hosts: ['WEB-1', 'web-9'] }),
      finding('blue', 150, { techniques: [], hosts: [] }),
    ];
    const [red, blue, ...none] = scoreReconstructions(spec, progress, events);
    expect(none).toEqual([]); // green filed nothing: not scored
    expect(red).toEqual({
      team: 'red',
      by: 'red',
      at: 200,
      techniques: { right: ['t1110', 'T1098.004', 'T1571'], missed: [], wrong: ['T1003'], precision: 0.75, recall: 1 },
      entryPoint: { said: 't1078', truth: 'T1078', right: true },
      hosts: { right: ['WEB-1'], missed: ['web-2', 'db-1'], wrong: ['web-9'], precision: 0.5, recall: 0.33 },
    });
    expect(blue).toMatchObject({
      techniques: { right: [], missed: ['T1110.001', 'T1098.004', 'T1571'], wrong: [], recall: 0 },
      entryPoint: { truth: 'T1078', right: false },
    });
    expect(blue?.techniques).not.toHaveProperty('precision'); // nothing said: no precision to speak of
  });

  it('a game day without techniques has nothing to reconstruct', () => {
    const { spec } = loadGameDayText('day.yaml', DAY());
    const quiet: Progress = { paused: false, commandsReadUntil: 0, steps: [stepOf('entry', [['process-pause', 'web-1', 1000]])] };
    expect(scoreReconstructions(spec, quiet, [finding('red', 1, { techniques: ['T1110'] })])).toEqual([]);
  });
});
