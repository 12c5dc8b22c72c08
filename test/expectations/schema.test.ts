import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { loadExperimentText } from '../../src/experiment/load.js';
import { catalog } from '../support/engine.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const base = 'title: t\nmethod:\n  - { name: w, wait: 10ms }\nexpectations:\n';

function problems(expectations: string): string[] {
  try {
    loadExperimentText('x.yaml', base + expectations, { catalog, env: {} });
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.problems.map((p) => `${p.line}: ${p.message}`);
  }
}

describe('the expectations section', () => {
  it('validates the example of docs/experiments.md', () => {
    const doc = readFileSync(`${ROOT}/docs/experiments.md`, 'utf8');
    const example = /## Expectations[\s\S]*?```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const { experiment } = loadExperimentText('docs.yaml', `title: t\nmethod:\n  - { name: w, wait: 10ms }\n${example}`, {
      catalog,
      env: {},
    });
    expect(experiment.expectations.map((e) => [e.name, e.within, e.never])).toEqual([
      ['slo-alert', 180_000, false],
      ['alert-rule-fires', 120_000, false],
      ['marked-down', 30_000, false],
      ['contained', 900_000, false],
      ['no-page', 300_000, true],
    ]);
  });

  it('refuses, at its line, an expectation with no matcher or two, a bad regex, a log with neither file nor command', () => {
    expect(problems('  - { within: 1m }\n')).toEqual([expect.stringMatching(/^5: an expectation names exactly one matcher/)]);
    expect(problems('  - { within: 1m, manual: { declare: contained }, log: { file: /x, regex: a } }\n')).toEqual([
      expect.stringMatching(/^5: an expectation names exactly one matcher/),
    ]);
    expect(problems('  - within: 1m\n    log: { file: /x, regex: "(" }\n')).toEqual([
      expect.stringMatching(/^6: .*not a valid regular expression/),
    ]);
    expect(problems('  - { within: 1m, log: { regex: a } }\n')).toEqual([expect.stringMatching(/^5: .*either a file or a command/)]);
    expect(problems('  - { within: 1m, manual: { declare: solved } }\n')).toEqual([expect.stringMatching(/^5: .*detected.*recovered/)]);
    expect(problems('  - { manual: { declare: contained } }\n')).toEqual(['5: is required']);
  });
});
