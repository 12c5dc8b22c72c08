import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredRun } from '../../src/runs/run-directory.js';
import { firedrill } from '../support/cli.js';
import { RecordedRuns } from './fixtures.js';
import { findAll, parseXml } from './xml.js';

const recorded = new RecordedRuns();
let run: StoredRun;
let out: string;

beforeAll(async () => {
  run = await recorded.record('deviated');
  out = mkdtempSync(join(tmpdir(), 'firedrill-report-out-'));
}, 30_000);

afterAll(async () => {
  await recorded.dispose();
  rmSync(out, { recursive: true, force: true });
});

describe('firedrill report', () => {
  it('writes report.html next to the journal by default and prints its path', async () => {
    const result = await firedrill(undefined, 'report', run.runId.slice(0, 18), '--state-dir', recorded.stateDir);
    expect(result).toMatchObject({ code: 0, stdout: `${join(run.dir, 'report.html')}\n` });
    const html = readFileSync(join(run.dir, 'report.html'), 'utf8');
    expect(html).toContain('data-verdict="deviated">Deviated');
    // uPlot travels inside the bundle: an installed CLI needs no node_modules/uplot.
    expect(html).toContain('var uPlot=function()');
    expect(html).toMatch(/class="fd-chart-data" data-for="run-[^"]+">\{"probes":\["shop"\]/);
  });

  it('writes Markdown and JUnit where --out says, and prints to stdout with --out -', async () => {
    expect(await firedrill(undefined, 'report', run.runId, '--state-dir', recorded.stateDir, '--format', 'md')).toMatchObject({
      code: 0,
      stdout: `${join(run.dir, 'report.md')}\n`,
    });
    expect(readFileSync(join(run.dir, 'report.md'), 'utf8')).toContain('**DEVIATED**');
    const junit = join(out, 'junit.xml');
    expect(
      await firedrill(undefined, 'report', run.runId, '--state-dir', recorded.stateDir, '--format', 'junit', '--out', junit),
    ).toMatchObject({ code: 0, stdout: `${junit}\n` });
    expect(findAll(parseXml(readFileSync(junit, 'utf8')), 'failure')).toHaveLength(1);
    const stdout = await firedrill(undefined, 'report', run.runId, '--state-dir', recorded.stateDir, '--format', 'junit', '--out', '-');
    expect(stdout.code).toBe(0);
    expect(findAll(parseXml(stdout.stdout), 'testcase')).toHaveLength(1);
  });

  it('says which runs exist when the id is unknown, and exits 2', async () => {
    const typo = `${run.runId.slice(0, -1)}${run.runId.endsWith('0') ? '1' : '0'}`;
    const result = await firedrill(undefined, 'report', typo, '--state-dir', recorded.stateDir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`no run ${typo} in`);
    expect(result.stderr).toContain(`did you mean "${run.runId}"`);
    expect(existsSync(join(run.dir, 'junit.xml'))).toBe(false);
  });

  it('rejects an unknown format and an unwritable destination with exit 2', async () => {
    const format = await firedrill(undefined, 'report', run.runId, '--state-dir', recorded.stateDir, '--format', 'pdf');
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('Allowed choices are html, md, junit');
    const nowhere = await firedrill(
      undefined,
      'report',
      run.runId,
      '--state-dir',
      recorded.stateDir,
      '--out',
      join(out, 'missing', 'report.html'),
    );
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('cannot write the report to');
  });
});
