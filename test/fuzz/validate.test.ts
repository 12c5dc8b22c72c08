import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError, ValidationError } from '../../src/errors.js';
import type { Prepared } from '../../src/runs/prepare.js';
import { prepareExperiment } from '../../src/runs/prepare.js';
import { firedrill } from '../support/cli.js';
import { fuzzCorpus, SEED } from './corpus.js';
import type { FuzzCase } from './corpus.js';

/*
 * Hostile input through the path `firedrill validate` takes (runs/prepare: inventory, variables,
 * the real catalog). Whatever the file holds, validation ends with a verdict on the input — valid,
 * or a UserError (ValidationError: problems with file:line:col) — never an internal error, a
 * stack trace, or a wait without end. What it accepts, the engine can run: numbers are finite,
 * durations fit a timer, every target a step names is one the file defines, nothing was dropped.
 */

const root = mkdtempSync(join(tmpdir(), 'firedrill-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const corpus = fuzzCorpus();
const PER_CASE_MS = 5_000;
const FORBIDDEN = /\n\s+at |Maximum call stack|internal error|is not a function|Cannot read properties|undefined \(reading/;

let written = 0;
function write(test: FuzzCase): { file: string; options: Parameters<typeof prepareExperiment>[1]; lines: number } {
  const dir = join(root, String(written++));
  mkdirSync(dir);
  const file = join(dir, 'experiment.yaml');
  writeFileSync(file, test.content);
  for (const [name, content] of Object.entries(test.beside ?? {})) writeFileSync(join(dir, name), content);
  const lines = Buffer.from(test.content).toString('utf8').split('\n').length;
  return { file, options: { var: test.vars ?? [], varFile: (test.varFiles ?? []).map((name) => join(dir, name)) }, lines };
}

/** Node's timers hold at most 2^31-1 ms; a longer duration fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const DURATION_KEYS = new Set([
  'wait',
  'duration',
  'until',
  'every',
  'maxDuration',
  'rollbackTimeout',
  'interval',
  'window',
  'windowMs',
  'timeout',
  'latency',
  'jitter',
  'delay',
  'closeAfter',
  'grace',
  'waitExit',
]);

/** Numbers that are not finite, and durations no timer can hold, anywhere in `value`. */
function badNumbers(value: unknown, path: string, out: string[]): void {
  if (typeof value === 'number') {
    const key = path.slice(path.lastIndexOf('.') + 1);
    if (!Number.isFinite(value) || (DURATION_KEYS.has(key) && value > MAX_TIMER_MS)) out.push(`${path} = ${value}`);
  } else if (Array.isArray(value)) value.forEach((item, index) => badNumbers(item, `${path}[${index}]`, out));
  else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) badNumbers(item, `${path}.${key}`, out);
}

/** What an accepted file must give the engine. */
function acceptedWrongly({ loaded, catalog }: Prepared, text: string): string[] {
  const wrong: string[] = [];
  const { experiment } = loaded;
  badNumbers(experiment, 'experiment', wrong);
  const steps = experiment.method.flatMap((step) => ('parallel' in step ? step.parallel : [step]));
  const activities = [...steps, ...experiment.rollbacks, ...(experiment.hypothesis?.probes ?? []), ...experiment.guardrails];
  for (const step of activities) {
    if ('wait' in step) continue;
    const type = 'fault' in step ? catalog.faults.get(step.fault) : catalog.probes.get('probe' in step ? step.probe : step.action);
    const params = type?.params.safeParse(step.params);
    if (params?.success) badNumbers(params.data, `params of ${type?.name ?? '?'}`, wrong);
    if ('fault' in step && step.target !== undefined && !Object.hasOwn(experiment.targets, step.target))
      wrong.push(`step targets "${step.target}", which the file does not define`);
  }
  const raw = parseDocument(text, { uniqueKeys: false }).get('targets');
  if (isMap(raw) && raw.items.length !== Object.keys(experiment.targets).length)
    wrong.push(`${raw.items.length} target sets written, ${Object.keys(experiment.targets).length} accepted`);
  return wrong;
}

/** What is wrong with the outcome of one case; empty when it behaved. */
async function check(test: FuzzCase): Promise<string[]> {
  const { file, options, lines } = write(test);
  const started = performance.now();
  let outcome: unknown;
  let prepared: Prepared | undefined;
  try {
    prepared = await prepareExperiment(file, options);
  } catch (error) {
    outcome = error;
  }
  const took = performance.now() - started;
  const wrong: string[] = [];
  if (took > PER_CASE_MS) wrong.push(`took ${Math.round(took)} ms`);
  if (prepared) return [...wrong, ...acceptedWrongly(prepared, Buffer.from(test.content).toString('utf8'))];
  if (!(outcome instanceof UserError)) {
    return [...wrong, `not a user error: ${outcome instanceof Error ? (outcome.stack ?? outcome.message) : String(outcome)}`];
  }
  if (FORBIDDEN.test(outcome.message)) wrong.push(`message: ${outcome.message.slice(0, 300)}`);
  if (outcome instanceof ValidationError) {
    if (outcome.problems.length === 0) wrong.push('a ValidationError without problems');
    for (const problem of outcome.problems) {
      const where = `${problem.file}:${problem.line}:${problem.col}`;
      if (!Number.isInteger(problem.line) || !Number.isInteger(problem.col) || problem.line < 1 || problem.col < 1)
        wrong.push(`no location: ${where} ${problem.message.slice(0, 200)}`);
      if (problem.file === file && problem.line > lines) wrong.push(`line past the end of the file (${lines} lines): ${where}`);
      if (FORBIDDEN.test(problem.message)) wrong.push(`problem: ${problem.message.slice(0, 300)}`);
    }
  }
  return wrong;
}

describe(`validating hostile input (seed ${SEED})`, () => {
  it('has a few hundred cases', () => {
    expect(corpus.length).toBeGreaterThan(250);
    expect(corpus.length).toBeLessThan(600);
  });

  const categories = [...new Set(corpus.map((c) => c.category))];
  for (const category of categories) {
    it(`ends every case of "${category}" with a verdict on the input, never an internal error`, async () => {
      const failures: string[] = [];
      for (const test of corpus.filter((c) => c.category === category)) {
        const wrong = await check(test);
        if (wrong.length > 0) failures.push(`${test.name}: ${wrong.join('; ')}`);
      }
      expect(failures).toEqual([]);
    }, 60_000);
  }
});

describe('hostile input through the built command', () => {
  const ten = (alias: string) => `[${Array.from({ length: 10 }, () => alias).join(', ')}]`;
  const cases: Record<string, string | Buffer> = {
    'unresolved-alias.yaml': 'title: *nope\nmethod: [{ wait: 1s }]\n',
    'recursive-alias.yaml': 'title: x\nmethod: &a [*a]\n',
    'alias-bomb.yaml': `a: &a ${ten('x')}\nb: &b ${ten('*a')}\nc: &c ${ten('*b')}\nd: ${ten('*c')}\ntitle: x\nmethod: [{ wait: 1s }]\n`,
    'huge-duration.yaml': `title: x\nmethod:\n  - wait: "${'9'.repeat(400)}s"\n`,
    'prototype-target.yaml': 'title: x\nmethod:\n  - { fault: cpu-stress, target: toString, duration: 1s }\n',
    'proto-key.yaml': 'title: x\ntargets:\n  __proto__: { kind: host }\nmethod: [{ wait: 1s }]\n',
    'deep.yaml': `title: x\nmethod: [{ wait: 1s }]\ndeep: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`,
    'garbage.yaml': Buffer.from([0x74, 0x69, 0x74, 0x6c, 0x65, 0x3a, 0x20, 0x00, 0xff, 0xfe, 0x0a, 0x09, 0x5b, 0x7b, 0x0a]),
  };

  it('exits 2 with FILE:LINE:COL, JSON on stdout for --json, and no stack trace', async () => {
    const dir = join(root, 'cli');
    mkdirSync(dir);
    const failures: string[] = [];
    for (const [name, content] of Object.entries(cases)) {
      const file = join(dir, name);
      writeFileSync(file, content);
      const located = new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+ `, 'm');
      const validate = await firedrill(dir, 'validate', file);
      const json = await firedrill(dir, 'run', file, '--json', '--dry-run');
      const wrong: string[] = [];
      for (const [what, result] of [
        ['validate', validate],
        ['run --json --dry-run', json],
      ] as const) {
        if (result.code !== 2) wrong.push(`${what} exited ${result.code}`);
        if (!located.test(result.stderr)) wrong.push(`${what}: no FILE:LINE:COL in ${result.stderr.slice(0, 200)}`);
        if (/\n\s+at |internal error/.test(result.stderr)) wrong.push(`${what}: ${result.stderr.slice(0, 300)}`);
      }
      try {
        const answer = JSON.parse(json.stdout) as { verdict: unknown; problems: unknown[] };
        if (answer.verdict !== null || !Array.isArray(answer.problems)) wrong.push(`run --json answered ${json.stdout.slice(0, 200)}`);
      } catch {
        wrong.push(`run --json printed no JSON: ${JSON.stringify(json.stdout.slice(0, 200))}`);
      }
      if (wrong.length > 0) failures.push(`${name}: ${wrong.join('; ')}`);
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
