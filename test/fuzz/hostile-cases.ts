import type { Random } from '../../src/util/random.js';
import type { FuzzCase } from './corpus.js';

// The hostile part of the fuzz corpus (corpus.ts): aliases, odd numbers, prototype names,
// binary garbage, deep nesting, long lines, odd documents.

const NINES = '9'.repeat(400);
export const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__'];
const ODD_NUMBERS = [
  '1e308',
  '-1e308',
  '1e400',
  '-0',
  '0',
  '.nan',
  '.inf',
  '-.inf',
  '"NaN"',
  '"Infinity"',
  NINES,
  `"${NINES}"`,
  `"${NINES}s"`,
  `"${NINES}ms"`,
  '"-5s"',
  '-5',
  '"5 s"',
  '0x7fffffff',
  '2147483648',
  '9007199254740993',
  '1e-320',
  '"1_000"',
  '"2600000s"',
  '"3000000s"',
  '604800',
  '"168h"',
  '"168h1ms"',
  'true',
  'null',
  '[]',
  '{}',
];

export function aliasCases(random: Random): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const ten = (item: string) => `[${Array.from({ length: 10 }, () => item).join(', ')}]`;
  const add = (name: string, content: string) => cases.push({ category: 'aliases', name, content });
  add('unresolved alias as title', 'title: *nope\nmethod: [{ wait: 1s }]\n');
  add('unresolved alias in a step', 'title: x\nmethod:\n  - *step\n');
  add('alias before its anchor', 'title: x\nmethod:\n  - wait: *d\n  - wait: &d 1s\n');
  add('recursive list', 'title: x\nmethod: [{ wait: 1s }]\na: &a [*a]\n');
  add('recursive mapping', 'title: x\nmethod: [{ wait: 1s }]\na: &a { b: { c: [*a] } }\n');
  add('recursive method', 'title: x\nmethod: &m\n  - parallel: *m\n');
  add('alias as a key', 'title: &t x\nmethod: [{ wait: 1s }]\n*t : 1\n');
  add('merge key', 'title: x\nbase: &b { wait: 1s }\nmethod:\n  - <<: *b\n');
  add('redefined anchor', 'title: &a x\nmethod:\n  - wait: &a 1s\n  - wait: *a\n');
  add(
    'alias to a target name',
    'title: x\ntargets:\n  &n web: { kind: host }\nmethod:\n  - { fault: cpu-stress, target: *n, duration: 1s }\n',
  );
  for (let i = 0; i < 14; i++) {
    const levels = 2 + Math.floor(random() * 6);
    const width = 3 + Math.floor(random() * 20);
    const lines = [`l0: &l0 [${Array.from({ length: width }, () => 'lol').join(', ')}]`];
    for (let level = 1; level < levels; level++)
      lines.push(`l${level}: &l${level} [${Array.from({ length: width }, () => `*l${level - 1}`).join(', ')}]`);
    add(`alias bomb of ${levels} levels of ${width}`, `${lines.join('\n')}\ntitle: x\nmethod: [{ wait: 1s }]\n`);
  }
  add(
    'alias bomb inside params',
    [
      'title: x',
      'method:',
      '  - probe: command',
      '    params:',
      `      a: &a ${ten('x')}`,
      `      b: &b ${ten('*a')}`,
      `      c: &c ${ten('*b')}`,
      `      command: ${ten('*c')}`,
      '',
    ].join('\n'),
  );
  return cases;
}

/** Odd numbers in every field that takes a number or a duration. */
export function numberCases(random: Random): FuzzCase[] {
  const fields: [string, (value: string) => string][] = [
    ['wait', (v) => `title: x\nmethod:\n  - wait: ${v}\n`],
    ['fault duration', (v) => `title: x\nmethod:\n  - fault: cpu-stress\n    duration: ${v}\n`],
    ['maxDuration', (v) => `title: x\nmethod: [{ wait: 1s }]\nruntime:\n  maxDuration: ${v}\n`],
    ['rollbackTimeout', (v) => `title: x\nmethod: [{ wait: 1s }]\nruntime:\n  rollbackTimeout: ${v}\n`],
    ['until', (v) => `title: x\nmethod:\n  - probe: command\n    params: { command: ["true"] }\n    until: ${v}\n`],
    [
      'hypothesis interval',
      (v) =>
        `title: x\nhypothesis:\n  interval: ${v}\n  probes: [{ probe: command, params: { command: ["true"] } }]\nmethod: [{ wait: 1s }]\n`,
    ],
    [
      'guardrail minSamples',
      (v) =>
        `title: x\nguardrails:\n  - probe: command\n    params: { command: ["true"] }\n    condition: "failures > 1"\n    minSamples: ${v}\nmethod: [{ wait: 1s }]\n`,
    ],
    [
      'guardrail condition',
      (v) =>
        `title: x\nguardrails:\n  - probe: command\n    params: { command: ["true"] }\n    condition: "p99 > ${v.replace(/"/g, '')}ms over ${v.replace(/"/g, '')}"\nmethod: [{ wait: 1s }]\n`,
    ],
    [
      'proxy latency',
      (v) =>
        `title: x\ntargets:\n  l: { kind: proxy, selector: { name: db } }\nmethod:\n  - fault: proxy-latency\n    target: l\n    params: { latency: ${v} }\n`,
    ],
    [
      'process-kill waitExit',
      (v) =>
        `title: x\ntargets:\n  p: { kind: process, selector: { pid: 1 } }\nmethod:\n  - fault: process-kill\n    target: p\n    params: { waitExit: ${v} }\n`,
    ],
    ['cpu-stress maxDuration', (v) => `title: x\nmethod:\n  - fault: cpu-stress\n    params: { maxDuration: ${v} }\n`],
    ['disk-fill bytes', (v) => `title: x\nmethod:\n  - fault: disk-fill\n    params: { directory: /tmp, bytes: ${v} }\n`],
    ['http timeout', (v) => `title: x\nmethod:\n  - probe: http\n    params: { url: "http://127.0.0.1:1", timeout: ${v} }\n`],
    [
      'tolerance bound',
      (v) => `title: x\nmethod:\n  - probe: command\n    params: { command: ["true"] }\n    tolerance: { exitCode: { lt: ${v} } }\n`,
    ],
    [
      'blast radius value',
      (v) =>
        `title: x\ntargets:\n  p: { kind: process, selector: { name: x }, mode: count, value: ${v} }\nmethod:\n  - { fault: process-pause, target: p, duration: 1s }\n`,
    ],
    [
      'pid',
      (v) =>
        `title: x\ntargets:\n  p: { kind: process, selector: { pid: ${v} } }\nmethod:\n  - { fault: process-pause, target: p, duration: 1s }\n`,
    ],
    ['tcp port', (v) => `title: x\nmethod:\n  - probe: tcp\n    params: { host: 127.0.0.1, port: ${v} }\n`],
    ['number variable', (v) => `title: x\nvariables:\n  n: { type: number, default: ${v} }\nmethod:\n  - wait: "\${n}"\n`],
  ];
  const cases: FuzzCase[] = [];
  for (const [field, template] of fields) {
    // Three odd values per field, drawn from the list; the riskiest ones for every field.
    const values = new Set([NINES, `"${NINES}s"`, '.inf']);
    while (values.size < 6) values.add(ODD_NUMBERS[Math.floor(random() * ODD_NUMBERS.length)] as string);
    for (const value of values) cases.push({ category: 'odd numbers', name: `${field}: ${value.slice(0, 24)}`, content: template(value) });
  }
  cases.push({
    category: 'odd numbers',
    name: '--var of 400 nines for a number',
    content: 'title: x\nvariables:\n  n: { type: number }\nmethod:\n  - wait: "${n}"\n',
    vars: [`n=${NINES}`],
  });
  cases.push({
    category: 'odd numbers',
    name: '--var-file with odd numbers',
    content: 'title: x\nmethod:\n  - wait: "${a}"\n  - wait: "${b}"\n',
    beside: { 'vars.yaml': `a: ${NINES}\nb: .nan\n` },
    varFiles: ['vars.yaml'],
  });
  return cases;
}

/** Names every JavaScript object has, as names and as keys everywhere a name goes. */
export function prototypeCases(): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (const name of PROTO_NAMES) {
    const add = (where: string, content: string, vars?: string[]) =>
      cases.push({ category: 'prototype names', name: `${name} as ${where}`, content, ...(vars ? { vars } : {}) });
    add('target', `title: x\nmethod:\n  - { fault: cpu-stress, target: ${name}, duration: 1s }\n`);
    add('target set', `title: x\ntargets:\n  ${name}: { kind: host }\nmethod:\n  - { fault: cpu-stress, target: ${name}, duration: 1s }\n`);
    add(
      'step name',
      `title: x\nmethod:\n  - { name: ${name}, wait: 1s }\n  - probe: command\n    params: { command: [echo, "\${steps.${name}.waitedMs}"] }\n`,
    );
    add(
      'step field',
      `title: x\nmethod:\n  - { name: a, wait: 1s }\n  - probe: command\n    params: { command: [echo, "\${steps.a.${name}}"] }\n`,
    );
    add('variable', `title: x\nvariables:\n  ${name}: { default: 1s }\nmethod:\n  - wait: "\${${name}}"\n`);
    add('undeclared variable', `title: x\nmethod:\n  - wait: "\${${name}}"\n`);
    add('--var', `title: x\nvariables:\n  d: { default: 1s }\nmethod:\n  - wait: "\${d}"\n`, [`${name}=1s`]);
    add('top-level key', `title: x\n${name}: 1\nmethod: [{ wait: 1s }]\n`);
    add('params key', `title: x\nmethod:\n  - probe: command\n    params: { command: ["true"], ${name}: 1 }\n`);
    add('tolerance field', `title: x\nmethod:\n  - probe: command\n    params: { command: ["true"] }\n    tolerance: { ${name}: 1 }\n`);
    add(
      'label',
      `title: x\ntargets:\n  p: { kind: process, selector: { labels: { ${name}: x } } }\nmethod:\n  - { fault: process-pause, target: p, duration: 1s }\n`,
    );
    add('probe type', `title: x\nmethod:\n  - probe: ${name}\n`);
    add('fault type', `title: x\nmethod:\n  - fault: ${name}\n`);
    add(
      'inventory service',
      `title: x\ntargets:\n  p: { kind: process, selector: { service: ${name} } }\nmethod:\n  - { fault: process-pause, target: p, duration: 1s }\n`,
    );
  }
  // Inventory files with prototype names as services and agents.
  for (const name of PROTO_NAMES.slice(0, 3)) {
    cases.push({
      category: 'prototype names',
      name: `${name} in the inventory`,
      content: `title: x\ntargets:\n  p: { kind: process, selector: { service: web } }\nmethod:\n  - { fault: process-pause, target: p, duration: 1s }\n`,
      beside: {
        'firedrill.inventory.yaml': [
          'services:',
          `  ${name}:`,
          '    process: { name: x }',
          '  web:',
          '    process: { name: web }',
          `    agent: ${name}`,
          'proxies:',
          `  ${name}: { listen: "127.0.0.1:1", upstream: "127.0.0.1:2", agent: ${name} }`,
          '',
        ].join('\n'),
      },
    });
  }
  return cases;
}

export function garbageCases(random: Random): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const bytes = (length: number) => Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
  for (let i = 0; i < 12; i++) {
    const length = Math.floor(random() ** 2 * 8192) + 1;
    cases.push({ category: 'binary garbage', name: `${length} random bytes`, content: bytes(length) });
  }
  const valid = 'title: x\nmethod:\n  - wait: 1s\n';
  for (let i = 0; i < 6; i++) {
    const at = Math.floor(random() * valid.length);
    cases.push({
      category: 'binary garbage',
      name: `random bytes inside a valid file at ${at}`,
      content: Buffer.concat([Buffer.from(valid.slice(0, at)), bytes(16 + Math.floor(random() * 64)), Buffer.from(valid.slice(at))]),
    });
  }
  cases.push({ category: 'binary garbage', name: 'NUL bytes', content: Buffer.alloc(1024) });
  cases.push({
    category: 'binary garbage',
    name: 'UTF-8 BOM',
    content: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(valid)]),
  });
  cases.push({ category: 'binary garbage', name: 'UTF-16', content: Buffer.from(`\ufeff${valid}`, 'utf16le') });
  cases.push({
    category: 'binary garbage',
    name: 'invalid UTF-8 in a title',
    content: Buffer.concat([Buffer.from('title: '), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('\nmethod: [{ wait: 1s }]\n')]),
  });
  cases.push({
    category: 'binary garbage',
    name: 'control characters',
    content: `title: "\u0000\u0007\u001b[31m"\nmethod: [{ wait: 1s }]\n`,
  });
  return cases;
}

export function nestingCases(): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const add = (name: string, content: string) => cases.push({ category: 'deep nesting', name, content });
  const head = 'title: x\nmethod: [{ wait: 1s }]\n';
  add('10,000 nested lists', `${head}deep: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`);
  add('10,000 nested mappings', `${head}deep: ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}\n`);
  add('10,000 unclosed lists', `${head}deep: ${'['.repeat(10_000)}\n`);
  add('101 nested lists', `${head}deep: ${'['.repeat(101)}${']'.repeat(101)}\n`);
  add(
    '99 nested lists in params',
    `title: x\nmethod:\n  - probe: command\n    params: { command: ["true"], x: ${'['.repeat(97)}${']'.repeat(97)} }\n`,
  );
  add(
    '500 nested lists in params',
    `title: x\nmethod:\n  - probe: command\n    params: { command: ["true"], x: ${'['.repeat(500)}${']'.repeat(500)} }\n`,
  );
  add('300 nested block mappings', `${head}deep:\n${Array.from({ length: 300 }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n')} 1\n`);
  add('1,000 nested block lists', `${head}deep:\n${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i + 1)}-`).join('\n')} 1\n`);
  add(
    'deep nesting through aliases',
    `${Array.from({ length: 14 }, (_, i) => `l${i}: &l${i} ${'['.repeat(90)}${i === 0 ? 'x' : `*l${i - 1}`}${']'.repeat(90)}`).join('\n')}\n${head}`,
  );
  add(
    'deep tolerance',
    `title: x\nmethod:\n  - probe: command\n    params: { command: ["true"] }\n    tolerance: { stdout: { equals: ${'['.repeat(2000)}${']'.repeat(2000)} } }\n`,
  );
  add('deep variable default', `title: x\nvariables:\n  v: { default: ${'['.repeat(3000)}${']'.repeat(3000)} }\nmethod: [{ wait: 1s }]\n`);
  return cases;
}

export function longLineCases(): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const add = (name: string, content: string) => cases.push({ category: 'long lines', name, content });
  const mb = 1024 * 1024;
  add('a 1 MB title', `title: ${'x'.repeat(mb)}\nmethod: [{ wait: 1s }]\n`);
  add('a 200 KB key', `title: x\n${'k'.repeat(200_000)}: 1\nmethod: [{ wait: 1s }]\n`);
  add('a 100 KB target name', `title: x\nmethod:\n  - { fault: cpu-stress, target: ${'t'.repeat(100_000)} }\n`);
  add('a 100 KB step name', `title: x\nmethod:\n  - { name: ${'s'.repeat(100_000)}, wait: 1s }\n`);
  add(
    'long near-miss names',
    `title: x\ntargets:\n  ${'a'.repeat(20_000)}b: { kind: host }\nmethod:\n  - { fault: cpu-stress, target: ${'a'.repeat(20_000)}c }\n`,
  );
  add('20,000 steps on one line', `title: x\nmethod: [${Array.from({ length: 20_000 }, () => '{wait: 1s}').join(',')}]\n`);
  add('20,000 bad steps on one line', `title: x\nmethod: [${Array.from({ length: 20_000 }, () => '{wat: 1s}').join(',')}]\n`);
  add(
    'a 1 MB regex',
    `title: x\nmethod:\n  - probe: command\n    params: { command: ["true"] }\n    tolerance: { stdout: { regex: "${'(a+)+'.repeat(50_000)}" } }\n`,
  );
  add('a 1 MB comment', `# ${'c'.repeat(mb)}\ntitle: x\nmethod: [{ wait: 1s }]\n`);
  add('a 500 KB variable reference', `title: x\nmethod:\n  - wait: "\${${'v'.repeat(500_000)}}"\n`);
  return cases;
}

export function oddDocuments(): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const add = (name: string, content: string) => cases.push({ category: 'odd documents', name, content });
  add('empty file', '');
  add('only a comment', '# nothing\n');
  add('a list', '- wait: 1s\n');
  add('a scalar', 'hello\n');
  add('null', '~\n');
  add('two documents', 'title: x\nmethod: [{ wait: 1s }]\n---\ntitle: y\n');
  add('duplicate keys', 'title: x\ntitle: y\nmethod: [{ wait: 1s }]\n');
  add('tabs for indentation', 'title: x\nmethod:\n\t- wait: 1s\n');
  add('a tag', 'title: !!binary aGVsbG8=\nmethod: [{ wait: 1s }]\n');
  add('an unknown tag', 'title: !secret x\nmethod: [{ wait: 1s }]\n');
  add('a set', 'title: x\nmethod: !!set { a, b }\n');
  add('an omap', 'title: x\nmethod: !!omap [ a: 1 ]\n');
  add('a directive', '%YAML 1.1\n---\ntitle: x\nmethod: [{ wait: 1s }]\n');
  add('a complex key', '? { a: 1 }\n: 2\ntitle: x\nmethod: [{ wait: 1s }]\n');
  add('a null key', '~: 1\ntitle: x\nmethod: [{ wait: 1s }]\n');
  add('a numeric step name', 'title: x\nmethod: [{ name: 12, wait: 1s }]\n');
  return cases;
}
