import { describe, expect, it } from 'vitest';
import { ValidationError, formatProblem } from '../../src/errors.js';
import { loadExperimentText } from '../../src/experiment/load.js';
import type { LoadOptions } from '../../src/experiment/load.js';
import { faultTypes } from '../../src/faults/index.js';
import { probeTypes } from '../../src/probes/index.js';

const catalog = { faults: faultTypes, probes: probeTypes };

function problemsOf(text: string, options: Partial<LoadOptions> = {}): string[] {
  try {
    loadExperimentText('exp.yaml', text, { catalog, env: {}, ...options });
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map(formatProblem);
    throw error;
  }
  return [];
}

const valid = `
title: Pause a replica
targets:
  web:
    kind: process
    selector: { name: sleep }
    mode: one
method:
  - name: pause
    fault: process-pause
    target: web
    duration: 2s
`;

describe('loading an experiment', () => {
  it('accepts a valid experiment and applies defaults', () => {
    const { experiment } = loadExperimentText('exp.yaml', valid, { catalog, env: {} });
    expect(experiment.title).toBe('Pause a replica');
    expect(experiment.targets.web?.ifEmpty).toBe('fail');
    expect(experiment.runtime.maxDuration).toBe(1_800_000);
    expect(experiment.method[0]).toMatchObject({ fault: 'process-pause', duration: 2000 });
  });

  it('reports malformed YAML at its line and column', () => {
    const problems = problemsOf('title: x\nmethod:\n  - wait: 1s\n   bad: [\n');
    expect(problems[0]).toMatch(/^exp\.yaml:4:\d+ invalid YAML: /);
  });

  it('reports a wrong type with the field path', () => {
    expect(problemsOf('title: 5\nmethod: [{ wait: 1s }]\n')).toEqual(['exp.yaml:1:1 title: expected string, got number 5']);
  });

  it('rejects an unknown key with a suggestion', () => {
    expect(problemsOf(`${valid}descripton: oops\n`)).toEqual([
      expect.stringMatching(/^exp\.yaml:13:1 descripton: unknown key \(did you mean "description"\?\)$/),
    ]);
  });

  it('reports a step pointing to a missing target set', () => {
    const text = valid.replace('target: web', 'target: wbe');
    expect(problemsOf(text)).toEqual(['exp.yaml:11:5 method[0].target: unknown target set "wbe" (did you mean "web"?); defined: web']);
  });

  it('reports a reference to an unknown step and to a later step', () => {
    const text = `${valid}  - name: check
    probe: command
    params: { command: [echo, "\${steps.paus.pids}"] }
  - name: early
    probe: command
    params: { command: [echo, "\${steps.late.x}"] }
  - name: late
    probe: command
    params: { command: [echo] }
`;
    const problems = problemsOf(text);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /method\[1\]\.params\.command\[1\]: \$\{steps\.paus…\} refers to an unknown step \(did you mean "pause"\?\)/,
    );
    expect(problems[1]).toMatch(/method\[2\]\.params\.command\[1\]: \$\{steps\.late…\} refers to a step that does not run before this one/);
  });

  it('reports unknown fault and probe types with suggestions', () => {
    const text = `title: t
method:
  - fault: cpu-stres
  - probe: htpp
    params: { url: "http://127.0.0.1:1" }
`;
    const problems = problemsOf(text);
    expect(problems[0]).toMatch(/^exp\.yaml:3:5 method\[0\]\.fault: unknown fault type "cpu-stres" \(did you mean "cpu-stress"\?\)/);
    expect(problems[1]).toMatch(/^exp\.yaml:4:5 method\[1\]\.probe: unknown probe type "htpp" \(did you mean "http"\?\)/);
  });

  it('rejects a negative duration', () => {
    expect(problemsOf(valid.replace('duration: 2s', 'duration: -2s'))).toEqual([
      'exp.yaml:12:5 method[0].duration: expected a duration like 500ms, 5s or 2m (or a number of seconds, not negative), got "-2s"',
    ]);
  });

  it('validates fault parameters against the fault type', () => {
    const text = `title: t
method:
  - fault: cpu-stress
    params: { load: 150 }
`;
    expect(problemsOf(text)).toEqual([expect.stringMatching(/^exp\.yaml:4:15 method\[0\]\.params\.load: /)]);
  });

  it('lists every problem of a file at once, in file order', () => {
    const text = `title: 5
targets:
  web: { kind: process, selector: { name: x }, mode: count }
method:
  - fault: process-kil
    target: web
  - wait: -1
guardrails:
  - probe: http
    params: { url: "http://127.0.0.1:1" }
    condition: "failure > 5%"
`;
    const problems = problemsOf(text);
    expect(problems.map((p) => p.split(' ')[0])).toEqual(['exp.yaml:1:1', 'exp.yaml:3:3', 'exp.yaml:5:5', 'exp.yaml:7:5', 'exp.yaml:11:5']);
  });

  it('substitutes variables from --var, files, the environment and defaults, keeping types', () => {
    const text = `title: t
variables:
  port: { default: 8080 }
  host: { env: SHOP_HOST }
  token: { secret: true }
method:
  - probe: tcp
    params: { host: "\${host}", port: "\${port}" }
  - probe: http
    params: { url: "http://\${host}:\${port}/", headers: { authorization: "Bearer \${token}" } }
`;
    const loaded = loadExperimentText('exp.yaml', text, { catalog, env: { SHOP_HOST: '127.0.0.1' }, vars: { token: 's3cret' } });
    expect(loaded.experiment.method[0]).toMatchObject({ params: { host: '127.0.0.1', port: 8080 } });
    expect(loaded.experiment.method[1]).toMatchObject({
      params: { url: 'http://127.0.0.1:8080/', headers: { authorization: 'Bearer s3cret' } },
    });
    expect(loaded.secrets).toEqual(['s3cret']);
  });

  it('converts command-line values to the declared type and reports those that do not fit', () => {
    const text = `title: t
variables:
  pid: { type: number }
targets:
  web: { kind: process, selector: { pid: "\${pid}" } }
method:
  - { fault: process-pause, target: web, duration: 1s }
`;
    const { experiment } = loadExperimentText('exp.yaml', text, { catalog, env: {}, vars: { pid: '4242' } });
    expect(experiment.targets.web).toMatchObject({ selector: { pid: 4242 } });
    expect(problemsOf(text, { vars: { pid: 'abc' } })[0]).toBe(
      'exp.yaml:3:3 variables.pid: variable pid is declared number, but its value "abc" is not one',
    );
  });

  it('reports a variable without a value where it is used', () => {
    const text = `title: t
variables:
  url: {}
method:
  - probe: http
    params: { url: "\${url}" }
`;
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(/^exp\.yaml:6:15 method\[0\]\.params\.url: variable "url" has no value: pass --var url=…/),
    ]);
  });

  it('leaves step references for run time and keeps escaped dollars literal', () => {
    const text = `${valid}  - name: show
    probe: command
    params: { command: [echo, "\${steps.pause.pids}", "$\${HOME}"] }
`;
    const { experiment } = loadExperimentText('exp.yaml', text, { catalog, env: {} });
    expect(experiment.method[1]).toMatchObject({ params: { command: ['echo', '${steps.pause.pids}', '${HOME}'] } });
  });

  it('requires a target for process faults and accepts host faults without one', () => {
    const text = `title: t
method:
  - fault: process-kill
  - fault: cpu-stress
    params: { workers: 1 }
    duration: 1s
`;
    expect(problemsOf(text)).toEqual(['exp.yaml:3:5 method[0]: fault process-kill needs a target: a target set of kind process']);
  });

  it('checks inventory service names when selecting through the inventory', () => {
    const text = `title: t
targets:
  web: { kind: process, selector: { service: catalg } }
method:
  - { fault: process-pause, target: web, duration: 1s }
`;
    const inventory = { file: 'inv.yaml', services: new Map([['catalog', {}]]), proxies: new Map(), agents: new Map() };
    expect(problemsOf(text, { inventory })).toEqual([
      expect.stringMatching(/selector\.service: no service "catalg" in inv\.yaml \(did you mean "catalog"\?\)/),
    ]);
    expect(problemsOf(text, { inventory: null })[0]).toMatch(/selects through the inventory, but no firedrill\.inventory\.yaml was found/);
  });

  it('rejects a step that names no kind', () => {
    expect(problemsOf('title: t\nmethod:\n  - name: x\n')).toEqual([
      expect.stringMatching(/^exp\.yaml:3:5 method\[0\]: needs one of: fault, wait, probe, action, parallel/),
    ]);
  });
});
