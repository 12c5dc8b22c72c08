import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/index.js';
import { EngineHarness } from '../support/engine.js';
import { techniqueDrill } from '../coverage/fixtures.js';

const harness = new EngineHarness();
const dir = mkdtempSync(join(tmpdir(), 'fd-report-attack-'));
afterAll(() => {
  harness.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** A real run through the engine, as the report reads it. */
async function reported(yaml: string): Promise<string> {
  const { journal, log } = await harness.run(yaml);
  return renderHtml({ runId: journal.runId, dir: 'runs/test', journal, events: log.events });
}

/** The rows of the report's ATT&CK table, as text. */
function attackSection(html: string): string {
  const start = html.indexOf('<h2>ATT&amp;CK</h2>');
  expect(start).toBeGreaterThan(0);
  return html
    .slice(start, html.indexOf('</table>', start))
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');
}

describe('the ATT&CK section of report.html', () => {
  it('lists the techniques the run detonated, detected with the time it took', async () => {
    const section = attackSection(await reported(techniqueDrill('cron-persistence', dir, '500ms', true)));
    expect(section).toMatch(
      /T1053\.003 Scheduled Task\/Job: Cron Execution, Persistence, Privilege Escalation plant \(cron-persistence\) detected \d+(ms|\.\ds|s) /,
    );
  });

  it('gives the time to contain found on the host: a web shell the defenders deleted mid-run', async () => {
    const www = mkdtempSync(join(dir, 'www-'));
    const yaml = `title: a shell\nmethod:\n  - { name: plant, fault: web-shell, params: { directory: ${www} }, duration: 5s }\n`;
    const responders = {
      name: 'responders',
      onEvent: (event: { type: string }) => {
        if (event.type === 'fault-injected') setTimeout(() => readdirSync(www).forEach((name) => rmSync(join(www, name))), 200);
      },
    };
    const { journal, log } = await harness.run(yaml, { observers: [responders] });
    const html = renderHtml({ runId: journal.runId, dir: 'runs/test', journal, events: log.events });
    expect(attackSection(html)).toMatch(/T1505\.003 .* not measured — \d+(ms|\.\ds|s) \(\S+fd-shell-\S+\.php is gone\) $/);
  });

  it('says missed when the detection never came', async () => {
    expect(attackSection(await reported(techniqueDrill('web-shell', dir, '500ms', false)))).toMatch(
      /T1505\.003 .* missed — not contained by the defenders $/,
    );
  });

  it('says not measured when no expectation watched, and is absent from a run that detonated no technique', async () => {
    const unwatched = await reported(techniqueDrill('cron-persistence', dir, '200ms', true).replace(/expectations:[\s\S]*$/, ''));
    expect(attackSection(unwatched)).toMatch(/T1053\.003 .* not measured — not contained by the defenders $/);
    expect(unwatched).toContain('No expectation watched for a detection in this run');
    const plain = await reported('title: a wait\nmethod:\n  - { name: w, wait: 10ms }\n');
    expect(plain).not.toContain('ATT&amp;CK');
  });
});
