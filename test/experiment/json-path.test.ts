import { describe, expect, it } from 'vitest';
import { JsonPathError, evaluateJsonPath, parseJsonPath } from '../../src/experiment/json-path.js';

const doc = {
  db: { status: 'up', 'content-type': 'json', "it's": 1, 'a.b': 2 },
  items: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
  name: 'firedrill',
  shape: { length: 42 },
  nothing: null,
};

describe('evaluateJsonPath', () => {
  it('returns the whole document for $', () => {
    expect(evaluateJsonPath('$', doc)).toEqual({ found: true, value: doc });
  });

  it('follows dotted and quoted member names', () => {
    expect(evaluateJsonPath('$.db.status', doc)).toEqual({ found: true, value: 'up' });
    expect(evaluateJsonPath("$.db['content-type']", doc).value).toBe('json');
    expect(evaluateJsonPath('$.db.content-type', doc).value).toBe('json');
    expect(evaluateJsonPath('$["db"]["a.b"]', doc).value).toBe(2);
    expect(evaluateJsonPath("$.db['it\\'s']", doc).value).toBe(1);
  });

  it('indexes arrays, counting negative indexes from the end', () => {
    expect(evaluateJsonPath('$.items[0].id', doc).value).toBe('a');
    expect(evaluateJsonPath('$.items[-1].id', doc).value).toBe('c');
    expect(evaluateJsonPath('$.items[ 1 ].id', doc).value).toBe('b');
  });

  it('gives the length of arrays and strings, and an object its own length member', () => {
    expect(evaluateJsonPath('$.items.length', doc).value).toBe(3);
    expect(evaluateJsonPath('$.name.length', doc).value).toBe(9);
    expect(evaluateJsonPath('$.shape.length', doc).value).toBe(42);
  });

  it('finds a null value but not a missing one', () => {
    expect(evaluateJsonPath('$.nothing', doc)).toEqual({ found: true, value: null });
    expect(evaluateJsonPath('$.db.missing', doc)).toEqual({ found: false, value: undefined });
    expect(evaluateJsonPath('$.items[3]', doc).found).toBe(false);
    expect(evaluateJsonPath('$.items[-4]', doc).found).toBe(false);
    expect(evaluateJsonPath('$.items.id', doc).found).toBe(false);
    expect(evaluateJsonPath('$.db[0]', doc).found).toBe(false);
    expect(evaluateJsonPath('$.nothing.x', doc).found).toBe(false);
    expect(evaluateJsonPath('$.db.length', doc).found).toBe(false);
  });
});

describe('parseJsonPath', () => {
  it('parses into member and index segments', () => {
    expect(parseJsonPath("$.a['b c'][-2]").segments).toEqual([{ key: 'a' }, { key: 'b c' }, { index: -2 }]);
  });

  it.each([
    ['a.b', /starts with \$/],
    ['$..a', /recursive descent/],
    ['$.*', /wildcards/],
    ['$[*]', /wildcards/],
    ['$.a[?(@.x)]', /filters/],
    ['$.a[1:2]', /slices/],
    ['$.a[1,2]', /unions/],
    ["$['a','b']", /unions/],
    ['$.a[', /unclosed "\["/],
    ["$['a", /unclosed '/],
    ['$.a[x]', /integer index or a quoted name/],
    ['$.', /member name/],
    ['$.a b', /unexpected " "/],
  ])('rejects %s with a clear message', (path, message) => {
    expect(() => parseJsonPath(path)).toThrow(message);
    expect(() => parseJsonPath(path)).toThrow(JsonPathError);
  });

  it('says where the syntax error is', () => {
    expect(() => parseJsonPath('$.a[')).toThrow('unclosed "[" at character 4 of JSONPath $.a[');
  });
});
