import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { loadExperimentText } from '../../src/experiment/load.js';
import { withExpectations } from '../../src/gamedays/driver.js';
import { catalog } from '../support/engine.js';
import { loadGameDayText } from '../../src/gamedays/spec.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function problems(text: string): string[] {
  try {
    loadGameDayText('day.yaml', text);
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.problems.map((p) => `${p.line}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
  }
}

describe('the game-day file', () => {
  it('documented in docs/gamedays.md validates', () => {
    const doc = readFileSync(`${ROOT}/docs/gamedays.md`, 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const { spec } = loadGameDayText('docs/gamedays.md', example);
    expect(spec.scenario.map((s) => [s.name, s.trigger])).toEqual([
      ['freeze', { at: 0 }],
      ['aftershock', { after: { step: 'freeze', declared: 'contained' }, delay: 60_000 }],
    ]);
    expect(spec.targets).toEqual({
      slo: 99.9,
      sloWindowDays: 30,
      detect: 300_000,
      acknowledge: 300_000,
      contain: 900_000,
      recover: 1_800_000,
    });
    expect(spec.publicTitle).toBe('Thursday game day');
  });

  it('refuses, at its line, a step triggered by a later one, a step named twice, no team, an unknown declaration', () => {
    const day = (scenario: string, teams = '{ shop: [rita] }') => `name: d\ntitle: t\nteams: ${teams}\nscenario:\n${scenario}`;
    expect(
      problems(
        day('  - { name: a, experiment: e, trigger: { after: { step: b, declared: contained } } }\n  - { name: b, experiment: e }\n'),
      ),
    ).toEqual([expect.stringMatching(/^5: scenario\[0\]\.trigger\.after\.step: b is not a step before this one/)]);
    expect(problems(day('  - { name: a, experiment: e }\n  - { name: a, experiment: e }\n'))).toEqual([
      expect.stringMatching(/^6: scenario\[1\]\.name: step a is defined twice/),
    ]);
    expect(problems(day('  - { name: a, experiment: e }\n', '{}'))).toEqual([
      expect.stringMatching(/^3: teams: a game day needs at least one responder team/),
    ]);
    expect(problems(day('  - { name: a, experiment: e, trigger: { after: { step: a, declared: fixed } } }\n'))).toEqual([
      expect.stringMatching(/^5: .*declared.*detected/),
    ]);
  });
});

describe("a step's expectations added to its experiment", () => {
  it('read back from the experiment exactly as the game day parsed them, every duration kept in ms', () => {
    const { spec } = loadGameDayText(
      'day.yaml',
      `name: d
title: t
teams: { shop: [rita] }
scenario:
  - name: s
    experiment: e
    expectations:
      - { name: a, within: 3m, grace: 10s, alert: { labels: { alertname: X } } }
      - { name: p, within: 90s, prometheus: { url: "http://127.0.0.1:9090", query: up == 0, every: 250ms } }
      - { name: l, within: 30s, log: { file: /var/log/gateway.log, regex: "slow", every: 250ms } }
      - { name: m, within: 1m, never: true, manual: { declare: contained } }
`,
    );
    const step = spec.scenario[0];
    if (!step) throw new Error('no step');
    const yaml = withExpectations(
      'title: e\nexpectations:\n  - { name: own, within: 5s, manual: { declare: detected } }\nmethod:\n  - { name: w, wait: 1s }\n',
      step,
    );
    const { experiment } = loadExperimentText('e.yaml', yaml, { catalog, env: {} });
    expect(experiment.expectations.slice(1)).toEqual(step.expectations);
    expect(experiment.expectations[0]?.name).toBe('own');
  });
});
