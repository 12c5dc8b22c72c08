import { describe, expect, it } from 'vitest';
import type { ProbeOutput } from '../../src/engine/probe.js';
import { compileTolerance, judge, judgeError } from '../../src/experiment/tolerance.js';
import { toleranceSchema } from '../../src/experiment/tolerance-schema.js';
import type { ToleranceSpec } from '../../src/experiment/tolerance-schema.js';

const http = { defaultField: 'status', fields: ['status', 'latencyMs', 'body', 'json', 'headers', 'bytes'] };
const response = { status: 200, latencyMs: 12, body: '{"db":{"status":"up"}}', json: { db: { status: 'up' }, items: [1, 2] }, headers: {} };

function compiled(spec: ToleranceSpec, probe = http) {
  const { checks, problems } = compileTolerance(spec, probe);
  expect(problems).toEqual([]);
  return checks;
}

function verdict(spec: ToleranceSpec, output: ProbeOutput = response, probe = http) {
  return judge(compiled(spec, probe), output);
}

describe('tolerance shapes', () => {
  it('judges a bare value as equality on the default field', () => {
    expect(verdict(200)).toEqual({ met: true, detail: 'status 200', failures: [] });
    expect(verdict(204)).toEqual({ met: false, detail: 'status 200 is not 204', failures: ['status 200 is not 204'] });
  });

  it('judges a list as one of, on the default field', () => {
    expect(verdict([200, 204]).met).toBe(true);
    expect(verdict([201, 204]).detail).toBe('status 200 is not one of 201, 204');
  });

  it('judges an object of matcher keywords as a matcher on the default field', () => {
    expect(verdict({ between: [200, 399] })).toMatchObject({ met: true, detail: 'status 200 is between 200 and 399' });
    expect(verdict({ between: [200, 399] }, { status: 503 }).detail).toBe('status 503 is not between 200 and 399');
  });

  it('judges an object of fields, every check having to hold', () => {
    expect(verdict({ status: 200, latencyMs: { lte: 300 } }).detail).toBe('status 200, latencyMs 12 ≤ 300');
    const failed = verdict({ status: 200, latencyMs: { lt: 10 }, body: { regex: 'down' } });
    expect(failed.met).toBe(false);
    expect(failed.failures).toEqual(['latencyMs 12 is not < 10', 'body "{\\"db\\":{\\"status\\":\\"up\\"}}" does not match /down/']);
    expect(failed.detail).toBe(failed.failures.join('; '));
  });

  it.each([
    200,
    'up',
    true,
    null,
    [200, 204],
    { between: [200, 399] },
    { oneOf: [200, 204] },
    { gte: 0.999 },
    { status: 200, latencyMs: { '<': 300 }, body: { regex: 'ok' }, jsonPath: { '$.db.status': 'up', '$.items.length': { gte: 1 } } },
  ])('accepts the documented shape %j in the tolerance schema', (spec) => {
    expect(toleranceSchema.safeParse(spec).success).toBe(true);
  });

  it('makes one check per keyword of a matcher', () => {
    const checks = compiled({ status: { gte: 200, lt: 300 } });
    expect(checks.map((check) => check.label)).toEqual(['status ≥ 200', 'status < 300']);
  });

  it('normalises <, <=, > and >= to lt, lte, gt and gte', () => {
    const checks = compiled({ latencyMs: { '<': 20, '<=': 12, '>': 1, '>=': 12 } });
    expect(checks.map((check) => check.matcher)).toEqual([
      { op: 'lt', bound: 20 },
      { op: 'lte', bound: 12 },
      { op: 'gt', bound: 1 },
      { op: 'gte', bound: 12 },
    ]);
    expect(judge(checks, response).met).toBe(true);
  });
});

describe('matchers', () => {
  it('compares equality deeply on JSON values, objects in any key order', () => {
    expect(verdict({ json: { equals: { items: [1, 2], db: { status: 'up' } } } }).met).toBe(true);
    expect(verdict({ json: { equals: { items: [2, 1], db: { status: 'up' } } } }).met).toBe(false);
    expect(verdict({ headers: { equals: {} } }).met).toBe(true);
  });

  it('never equates a number with a string, and says why', () => {
    expect(verdict('200').detail).toBe('status 200 is not "200" (number vs string)');
    expect(verdict(200, { status: 200.0 }).met).toBe(true);
  });

  it('accepts one of several values, compared deeply', () => {
    expect(verdict({ json: { oneOf: [{ a: 1 }, { db: { status: 'up' }, items: [1, 2] }] } }).met).toBe(true);
  });

  it('holds between inclusively at both ends', () => {
    expect(verdict({ status: { between: [200, 200] } }).met).toBe(true);
    expect(verdict({ status: { between: [100, 199] } }).met).toBe(false);
  });

  it('needs a finite number for comparisons and between', () => {
    expect(verdict({ body: { gt: 1 } }).failures[0]).toMatch(/^body ".*" is not a number$/);
    expect(verdict({ between: [1, 2] }, { status: '1' }).detail).toBe('status "1" is not a number');
    expect(verdict({ gte: 0.999 }, { status: null }).detail).toBe('status null has no value (no data)');
  });

  it('tests a regex unanchored against text, JSON-encoding anything but strings', () => {
    expect(verdict({ body: { regex: 'status' } }).detail).toBe('body matches /status/');
    expect(verdict({ status: { regex: '^2\\d\\d$' } }).met).toBe(true);
    expect(verdict({ json: { regex: '"items":\\[1,2\\]' } }).met).toBe(true);
    expect(verdict({ body: { regex: '^status' } }).met).toBe(false);
  });

  it('counts a missing field as not met', () => {
    expect(verdict({ bytes: { gte: 0 } }).detail).toBe('field bytes missing');
  });
});

describe('jsonPath tolerances', () => {
  it('reads the output json first', () => {
    expect(verdict({ jsonPath: { '$.db.status': 'up', '$.items.length': { gte: 2 } } }).detail).toBe(
      '$.db.status "up", $.items.length 2 ≥ 2',
    );
  });

  it('parses the body when there is no json field, then stdout', () => {
    expect(verdict({ jsonPath: { '$.db.status': 'up' } }, { body: '{"db":{"status":"up"}}' }).met).toBe(true);
    const command = { defaultField: 'exitCode', fields: ['exitCode', 'stdout'] };
    expect(verdict({ jsonPath: { $: { gte: 3 } } }, { exitCode: 0, stdout: '3\n' }, command).detail).toBe('$ 3 ≥ 3');
  });

  it('is not met when the path leads nowhere or the output is not JSON', () => {
    expect(verdict({ jsonPath: { '$.db.version': 1 } }).detail).toBe('jsonPath $.db.version missing');
    expect(verdict({ jsonPath: { '$.a': 1 } }, { body: '<html>' }).detail).toBe('jsonPath $.a: body is not valid JSON');
    expect(verdict({ jsonPath: { '$.a': 1 } }, { status: 200 }).detail).toBe('jsonPath $.a: the output has no JSON');
  });
});

describe('tolerance problems', () => {
  it('suggests the nearest field for an unknown one', () => {
    expect(compileTolerance({ latncyMs: { lt: 300 } }, http).problems).toEqual([
      {
        path: ['latncyMs'],
        message: 'unknown field "latncyMs" (did you mean "latencyMs"?); fields are status, latencyMs, body, json, headers, bytes',
      },
    ]);
  });

  it('reports an invalid JSONPath at its own path', () => {
    const { problems } = compileTolerance({ jsonPath: { '$.a[': 1, '$.ok': 1 } }, http);
    expect(problems).toEqual([{ path: ['jsonPath', '$.a['], message: 'unclosed "[" at character 4 of JSONPath $.a[' }]);
  });

  it('suggests the nearest matcher for an unknown keyword', () => {
    const { problems } = compileTolerance({ status: { betwen: [1, 2] } } as ToleranceSpec, http);
    expect(problems).toEqual([
      { path: ['status', 'betwen'], message: expect.stringContaining('unknown matcher "betwen" (did you mean "between"?)') as unknown },
    ]);
  });

  it('reports invalid matcher values with their path', () => {
    const { problems } = compileTolerance({ status: { between: [399, 200] } }, http);
    expect(problems).toEqual([{ path: ['status', 'between'], message: 'between needs [low, high] with low <= high' }]);
  });

  it('refuses a matcher keyword mixed with fields', () => {
    const { problems } = compileTolerance({ lt: 300, status: 200 }, http);
    expect(problems).toEqual([
      { path: ['lt'], message: expect.stringContaining('"lt" is a matcher but this tolerance also names fields') as unknown },
    ]);
  });

  it('refuses a jsonPath for a probe without JSON output', () => {
    const tcp = { defaultField: 'connected', fields: ['connected', 'latencyMs', 'error'] };
    expect(compileTolerance({ jsonPath: { '$.a': 1 } }, tcp).problems[0]?.path).toEqual(['jsonPath']);
  });

  it('refuses an empty tolerance', () => {
    expect(compileTolerance({}, http).problems).toEqual([{ path: [], message: 'a tolerance needs at least one check' }]);
  });
});

describe('probe errors', () => {
  it('counts a probe that threw as not met, keeping its message', () => {
    expect(judgeError(new Error('connect ECONNREFUSED 127.0.0.1:8080'))).toEqual({
      met: false,
      detail: 'probe failed: connect ECONNREFUSED 127.0.0.1:8080',
      failures: ['connect ECONNREFUSED 127.0.0.1:8080'],
    });
  });
});
