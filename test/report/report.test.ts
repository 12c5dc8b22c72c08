import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChartData } from '../../src/report/chart.js';
import { escapeMarkdown, escapeXml, jsonForScript } from '../../src/report/escape.js';
import { renderHtml, renderJunit, renderMarkdown } from '../../src/report/index.js';
import type { StoredRun } from '../../src/runs/run-directory.js';
import { HOSTILE_TITLE, RecordedRuns } from './fixtures.js';
import { findAll, parseXml } from './xml.js';

const recorded = new RecordedRuns();
let passed: StoredRun;
let deviated: StoredRun;
let aborted: StoredRun;

beforeAll(async () => {
  passed = await recorded.record('passed');
  deviated = await recorded.record('deviated');
  aborted = await recorded.record('aborted');
}, 60_000);

afterAll(() => recorded.dispose());

/** The JSON block the page's charts are drawn from, parsed back. */
function chartData(html: string): ChartData[] {
  return [...html.matchAll(/<script type="application\/json" class="fd-chart-data" data-for="[^"]+">([^<]*)<\/script>/g)].map(
    (m) => JSON.parse(m[1] ?? '') as ChartData,
  );
}

describe('the HTML report', () => {
  it('shows the verdict and its reason in plain words, with the run id, dates, seed and file', () => {
    const html = renderHtml(deviated);
    expect(deviated.journal?.verdict).toBe('deviated');
    expect(html).toContain('data-verdict="deviated">Deviated');
    expect(html).toContain('The drill found a weakness');
    expect(html).toContain('hypothesis during the method: shop not met');
    for (const fact of [deviated.runId, 'drills/deviated.yaml', '<dd>42</dd>', ' UTC</dd>']) expect(html).toContain(fact);
    expect(renderHtml(passed)).toContain('data-verdict="passed">Passed');
  });

  it('carries real monitor readings and the fault window as chart data', () => {
    const [data] = chartData(renderHtml(deviated));
    expect(data?.probes).toEqual(['shop']);
    expect(data?.x.length).toBeGreaterThan(3);
    const rates = (data?.successRate[0] ?? []).filter((v): v is number => v !== null);
    // The server itself was paused: availability fell while the fault was active and came back.
    expect(Math.min(...rates)).toBeLessThan(99);
    expect(Math.max(...rates)).toBe(100);
    expect((data?.p99[0] ?? []).some((v) => v !== null && v > 0)).toBe(true);
    const fault = deviated.journal?.faults[0];
    expect(data?.faults).toEqual([expect.objectContaining({ label: expect.stringContaining('process-pause on pid') })]);
    const window = data?.faults[0] ?? { from: NaN, to: NaN };
    expect(window.to).toBeGreaterThan(window.from);
    expect(window.to - window.from).toBeCloseTo((Date.parse(fault?.revertedAt ?? '') - Date.parse(fault?.injectedAt ?? '')) / 1000, 1);
  });

  it('has a timeline, the hypothesis before, during and after, the fault record and the findings', () => {
    const html = renderHtml(deviated);
    for (const text of [
      'Fault injected: process-pause on pid',
      'Fault reverted and verified: f1',
      'Hypothesis broken during the method',
      'Hypothesis met again after',
    ])
      expect(html).toContain(text);
    for (const heading of ['Before the method', 'During the method', 'After the method', 'Faults', 'Findings'])
      expect(html).toMatch(new RegExp(`<h\\d>${heading}</h\\d>`));
    expect(html).toMatch(/<td>freeze<br><span class="muted">f1<\/span><\/td><td>process-pause<\/td>/);
    expect(html).toContain('is running (state');
    expect(html).toMatch(/<li>hypothesis during the method: shop not met in \d+ of \d+ checks/);
  });

  it('marks the guardrail trip and the abort, with the abort latency', () => {
    const html = renderHtml(aborted);
    expect(aborted.journal?.verdict).toBe('aborted');
    const [data] = chartData(html);
    expect(data?.markers.map((m) => m.label)).toEqual(['guardrail slow-shop tripped', 'abort', 'all faults reverted']);
    expect(html).toContain('Guardrail slow-shop tripped');
    expect(html).toMatch(/every fault reverted \d+(\.\d)? ms later/);
  });

  it('is one self-contained file: inline uPlot, styles and script, nothing fetched', () => {
    const html = renderHtml(passed);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b|@import|url\(/i);
    expect(html).toContain('var uPlot=function()');
    expect(html).toContain('.uplot {');
    expect(html).toContain("default-src 'none'");
  });

  it('escapes a hostile title and description everywhere', () => {
    const html = renderHtml(deviated);
    expect(deviated.journal?.experiment.title).toBe(HOSTILE_TITLE);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; | pipes');
    // Only the three scripts of the page itself, and the chart data block.
    expect(html.match(/<script\b/g)).toHaveLength(3);
  });

  it('keeps JSON data inside its script element whatever the strings hold', () => {
    const json = jsonForScript({ label: '</script><script>alert(1)</script>\u2028<!--' });
    expect(json).not.toMatch(/[<>\u2028]/);
    expect(JSON.parse(json)).toEqual({ label: '</script><script>alert(1)</script>\u2028<!--' });
  });

  it('renders a run that never wrote its journal from its events, and says so', () => {
    const { journal: _journal, ...incomplete } = deviated;
    const html = renderHtml(incomplete);
    expect(html).toContain('data-verdict="incomplete">Incomplete');
    expect(html).toContain('firedrill recover');
    expect(chartData(html)[0]?.faults).toHaveLength(1);
    expect(renderMarkdown(incomplete)).toContain('**INCOMPLETE**');
    expect(findAll(parseXml(renderJunit([incomplete])), 'error')).toHaveLength(1);
  });
});

describe('the Markdown report', () => {
  it('states the verdict and gives the facts, availability, timeline, hypothesis and faults as tables', () => {
    const md = renderMarkdown(deviated);
    expect(md).toMatch(/^# \\<script>alert\(1\)\\<\/script> & "quotes" \\\| pipes\n/);
    expect(md).toContain('**DEVIATED** — The drill found a weakness');
    expect(md).toContain(`| Run | ${deviated.runId} |`);
    expect(md).toContain('| probe | readings | lowest availability | at | highest p99 | at | highest p50 |');
    expect(md).toMatch(/\| shop \| \d+ \| \d+\.\d+% \| \+\d/);
    expect(md).toContain('| time | event | detail |');
    expect(md).toMatch(/\| during \| shop \| NOT MET \| \d+ of \d+ checks not met; first at \+/);
    expect(md).toMatch(
      /\| freeze \(f1\) \| process-pause \| pid \d+ \(node\) \| reverted \| \+[\d.]+s \| \+[\d.]+s \| [\d.]+ ms \| verified: /,
    );
    expect(md).toContain('## Findings');
    // Every table row has as many cells as its header.
    for (const table of md.split('\n\n').filter((block) => block.startsWith('|'))) {
      const widths = table.split('\n').map((row) => row.replace(/\\\|/g, '').split('|').length);
      expect(new Set(widths).size).toBe(1);
    }
  });

  it('shows the guardrails and the abort of an aborted run', () => {
    const md = renderMarkdown(aborted);
    expect(md).toContain('| guardrail | condition | samples | result | measured |');
    expect(md).toMatch(/\| slow-shop \| p99 > 300ms.* \| tripped at \+/);
    expect(md).not.toContain('&gt;');
    expect(md).toMatch(/Aborted at \+[\d.]+s: guardrail slow-shop tripped.*; every fault reverted [\d.]+ ms later\./);
  });
});

describe('Markdown escaping', () => {
  it('escapes with backslashes, never with HTML entities', () => {
    expect(escapeMarkdown('p99 > 1s, 2 < 3 & a | b')).toBe('p99 > 1s, 2 \\< 3 & a \\| b');
    expect(escapeMarkdown('> not a quote')).toBe('\\> not a quote');
    expect(escapeMarkdown('&amp; stays text')).toBe('\\&amp; stays text');
    expect(escapeMarkdown('<img src=x onerror=alert(1)>')).toBe('\\<img src=x onerror=alert(1)>');
    expect(escapeMarkdown('line\nbreak *bold* `code`')).toBe('line break \\*bold\\* \\`code\\`');
  });
});

describe('the JUnit report', () => {
  it('is well-formed XML with one testcase per run: pass, failure with the reason, properties and findings', () => {
    const xml = renderJunit([passed, deviated, aborted], 'report tests <&>');
    const root = parseXml(xml);
    expect(root.name).toBe('testsuites');
    const [suite] = findAll(root, 'testsuite');
    expect(suite?.attrs).toMatchObject({ name: 'report tests <&>', tests: '3', failures: '2', errors: '0' });
    const cases = findAll(root, 'testcase');
    expect(cases.map((c) => [c.attrs.name, c.attrs.classname])).toEqual([
      ['A paused process (passed)', 'drills/passed.yaml'],
      [HOSTILE_TITLE, 'drills/deviated.yaml'],
      ['A paused process (aborted)', 'drills/aborted.yaml'],
    ]);
    expect(findAll(cases[0]!, 'failure')).toEqual([]);
    const [failure] = findAll(cases[1]!, 'failure');
    expect(failure?.attrs).toMatchObject({ type: 'deviated', message: deviated.journal?.reason });
    expect(Number(cases[1]?.attrs.time)).toBeCloseTo((deviated.journal?.durationMs ?? 0) / 1000, 2);
    const properties = Object.fromEntries(findAll(cases[1]!, 'property').map((p) => [p.attrs.name, p.attrs.value]));
    expect(properties).toMatchObject({ runId: deviated.runId, verdict: 'deviated', seed: '42' });
    expect(findAll(cases[1]!, 'system-out')[0]?.text).toContain('finding: hypothesis during the method');
    expect(findAll(cases[2]!, 'failure')[0]?.attrs.type).toBe('aborted');
  });

  it('reports a failed run as an error and never writes a character XML forbids', () => {
    const journal = { ...passed.journal!, verdict: 'failed' as const, reason: 'revert not verified: \u0000\u001b[31mred\ud800' };
    const root = parseXml(renderJunit([{ ...passed, journal }]));
    expect(findAll(root, 'error')[0]?.attrs.message).toBe('revert not verified: \ufffd\ufffd[31mred\ufffd');
    expect(escapeXml('a\u0007b')).toBe('a\ufffdb');
  });
});
