import { describe, expect, it } from 'vitest';
import { measureGameDay } from '../../src/gamedays/measures.js';
import type { DayAlert } from '../../src/gamedays/measures.js';
import type { Progress } from '../../src/gamedays/progress.js';
import { loadGameDayText } from '../../src/gamedays/spec.js';

const DAY = `name: two-incidents
title: the link crawls, then a replica dies
teams: { shop: [rita] }
targets: { detect: 10s }
scenario:
  - name: crawl
    experiment: crawl
    expectations: [{ name: slow-alert, within: 1m, alert: { labels: { alertname: ShopSlow } } }]
  - name: replica
    experiment: replica
    trigger: { after: { step: crawl, declared: contained } }
    expectations:
      - { name: replica-alert, within: 1m, alert: { labels: { alertname: { regex: "^Catalog" } } } }
      - { name: no-page, within: 1m, never: true, alert: { labels: { alertname: ShopSlow } } }
  - name: quiet
    experiment: quiet
`;

const alert = (alertname: string, receivedAt: number, status: 'firing' | 'resolved' = 'firing'): DayAlert => ({
  source: 'alertmanager',
  status,
  labels: { alertname },
  annotations: {},
  receivedAt,
});

describe('the measures of a game day', () => {
  it("detects each step by the alerts its expectations wait for, any alert for a step that names none; a 'never' alert is not a detection", () => {
    const { spec } = loadGameDayText('day.yaml', DAY);
    const progress: Progress = {
      paused: false,
      commandsReadUntil: 0,
      steps: [
        { name: 'crawl', state: 'ended', injectedAt: 1000 },
        { name: 'replica', state: 'ended', injectedAt: 20_000 },
        { name: 'quiet', state: 'ended', injectedAt: 40_000 },
      ],
    };
    // ShopSlow fires again (late) after the replica step's injection; the replica's own alert comes later.
    const alerts = [
      alert('Unrelated', 2000),
      alert('ShopSlow', 4000),
      alert('ShopSlow', 15_000, 'resolved'),
      alert('ShopSlow', 21_000),
      alert('CatalogReplicaDown', 27_000),
      alert('Unrelated', 41_500),
    ];
    const detect = measureGameDay(spec, progress, [], alerts).map((step) => step.teams[0]?.timings.detect);
    expect(detect).toEqual([
      { ms: 3000, by: 'alert ShopSlow', targetMs: 10_000, onTarget: true },
      { ms: 7000, by: 'alert CatalogReplicaDown', targetMs: 10_000, onTarget: true },
      { ms: 1500, by: 'alert Unrelated', targetMs: 10_000, onTarget: true },
    ]);
  });
});
