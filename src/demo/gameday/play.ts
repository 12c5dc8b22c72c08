import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Journal } from '../../engine/journal.js';
import { errorMessage } from '../../errors.js';
import type { StepMeasures } from '../../gamedays/measures.js';
import type { Progress } from '../../gamedays/progress.js';
import { dayVerdict } from '../../gamedays/progress.js';
import type { Store } from '../../store/store.js';
import { claimDirectory, removeDemoLeftovers } from '../leftovers.js';
import type { Monitoring } from '../monitoring.js';
import type { Shop } from '../shop/shop.js';
import { serviceLog } from '../shop/inventory-file.js';
import { makePeople } from './people.js';
import type { DemoPeople } from './people.js';
import { runResponderBot } from './responder-bot.js';
import { CRAWL_EXPERIMENT, LOG_SIGNALS, REPLICA_EXPERIMENT, RUNBOOK, crawlExperiment, gameDayFile, replicaExperiment } from './scenario.js';
import type { Signals } from './scenario.js';
import { monitorShop } from './shop-monitoring.js';
import { alertSignals, logSignals } from './signals.js';

const GAMEDAY = 'shop-incident';

/** The control plane the game day is played on (the CLI starts it: the demo stands below the server). */
export interface DemoControlPlane {
  readonly url: string;
  readonly store: Store;
  readonly admin?: { readonly name: string; readonly password: string };
  close(): Promise<void>;
}

export interface GameDayDemoOptions {
  readonly stateDir: string;
  /** Starts a control plane on 127.0.0.1 over `database` (a SQLite file) whose runs resolve targets in `inventory`. */
  readonly controlPlane: (options: { readonly inventory: string; readonly database: string }) => Promise<DemoControlPlane>;
  readonly bin: string;
  readonly signal: AbortSignal;
  readonly say: (line: string) => void;
}

export interface GameDayDemoResult {
  readonly gameday: string;
  readonly verdict: string;
  readonly reason: string;
  /** How the incidents were noticed: real Prometheus alerts, or the gateway's log. */
  readonly monitoring: 'prometheus' | 'log';
  readonly steps: readonly StepMeasures[];
  /** Every fault the steps injected, as their runs' journals tell it: reverted and verified, or not. */
  readonly faults: readonly { readonly step: string; readonly type: string; readonly status: string; readonly verifiedAt?: string }[];
  readonly reports: { readonly markdown: string; readonly html: string; readonly measures: string };
  readonly shop: { readonly id: string; readonly dir: string };
}

/**
 * `firedrill demo --gameday`: the shop, a control plane of its own, real monitoring when Debian's
 * Prometheus and Alertmanager are installed, and the villains' scenario ("the database link
 * crawls, then a catalog replica dies") fought by a scripted responder team through the API.
 * Ends with the review (Markdown, HTML) and the measures, written under `<stateDir>/demo/`.
 */
export async function playGameDayDemo(options: GameDayDemoOptions): Promise<GameDayDemoResult> {
  const { say } = options;
  for (const line of await removeDemoLeftovers()) say(`  removed what an earlier demo left behind: ${line}`);
  const scratch = mkdtempSync(join(tmpdir(), 'firedrill-demo-'));
  claimDirectory(scratch);
  let shop: Shop | undefined;
  let server: DemoControlPlane | undefined;
  let monitoring: Monitoring | undefined;
  const botStop = new AbortController(); // the bot stops with the demo, whatever ends it
  let bot: Promise<void> | undefined;
  const stopBot = () => botStop.abort();
  options.signal.addEventListener('abort', stopBot, { once: true });
  try {
    const { startShop } = await import('../shop/shop.js');
    shop = await startShop({ dir: scratch, stateDir: options.stateDir, bin: options.bin, log: (line) => say(`  ${line}`) });
    shop.load.start();
    server = await options.controlPlane({ inventory: shop.inventoryFile, database: join(scratch, 'control-plane.db') });
    say(`  a control plane of its own: ${server.url}${server.admin ? ` (admin password ${server.admin.password})` : ''}`);
    const people = await makePeople(server);
    // Installed but not starting (a port, a broken package): the demo goes on with the log, and says why.
    let failed: string | undefined;
    monitoring = await monitorShop({
      dir: join(scratch, 'monitoring'),
      shop,
      serverUrl: server.url,
      alertSourceToken: people.alertSourceToken,
      scraperToken: people.scraperToken,
    }).catch((error: unknown) => {
      failed = errorMessage(error);
      return undefined;
    });
    const signals: Signals = monitoring ? { kind: 'alerts' } : { kind: 'log', gatewayLog: serviceLog(scratch, 'gateway') };
    const instead = "the expectations and the responders read the gateway's log instead";
    say(
      monitoring
        ? `  Prometheus (${monitoring.prometheusUrl}) scrapes the shop; Alertmanager posts to the control plane's receiver`
        : failed
          ? `  Prometheus and Alertmanager did not start (${failed}): ${instead}`
          : `  Prometheus and Alertmanager are not installed (apt-get install prometheus prometheus-alertmanager): ${instead}`,
    );
    if (!shop.postgres) say('  no PostgreSQL on this machine: the shop has no orders, so the scenario is only "a catalog replica dies"');
    const id = await prepareDay(shop, people, signals, say);
    const launchedAt = Date.now();
    bot = runResponderBot({
      members: people.team,
      gamedayId: id,
      signals: monitoring
        ? alertSignals(people.team[0]?.api ?? people.facilitator.api, launchedAt)
        : logSignals(signals.kind === 'log' ? signals.gatewayLog : '', logPatterns()),
      runbook: RUNBOOK,
      reactionMs: 1500,
      say: (line) => say(`  ${line}`),
      signal: botStop.signal,
    });
    await people.facilitator.api.request('POST', `/api/v1/gamedays/${GAMEDAY}/launch`, {});
    say(`fiona (facilitator) launched the game day; the responders see only "Game day at the shop"`);
    const progress = await followDay(people, id, options);
    await bot;
    const result = await writeReview(people, id, options.stateDir);
    const { verdict, reason } = dayVerdict(progress);
    return {
      gameday: GAMEDAY,
      verdict,
      reason,
      monitoring: monitoring ? 'prometheus' : 'log',
      steps: result.measures,
      faults: await faultsOf(people, progress),
      reports: result.paths,
      shop: { id: shop.demoId, dir: scratch },
    };
  } finally {
    botStop.abort();
    await bot; // it never rejects: it reports its errors and tries again until stopped
    options.signal.removeEventListener('abort', stopBot);
    shop?.load.stop();
    await monitoring?.stop();
    await server?.close();
    await shop?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The villain stores the secret experiments and the scenario, rehearses nothing; the team confirms its console reaches it. */
async function prepareDay(shop: Shop, people: DemoPeople, signals: Signals, say: (line: string) => void): Promise<string> {
  const { villain } = people;
  const withCrawl = shop.postgres !== null;
  const experiments = [[REPLICA_EXPERIMENT, replicaExperiment(shop.gatewayUrl)]];
  if (withCrawl) experiments.unshift([CRAWL_EXPERIMENT, crawlExperiment(shop.gatewayUrl)]);
  for (const [name, yaml] of experiments) await villain.api.request('POST', '/api/v1/experiments', { name, yaml, secret: true });
  const yaml = gameDayFile({
    name: GAMEDAY,
    villain: villain.name,
    facilitator: people.facilitator.name,
    team: people.team.map((m) => m.name),
    signals,
    withCrawl,
  });
  const applied = await villain.api.request<{ gameday: { id: string } }>('POST', '/api/v1/gamedays/apply', {
    yaml,
    file: 'shop-incident.yaml',
  });
  say(
    `vera (villain) wrote the secret scenario: ${withCrawl ? 'the database link crawls, then a catalog replica dies' : 'a catalog replica dies'}`,
  );
  for (const member of people.team) await member.api.request('POST', `/api/v1/gamedays/${applied.gameday.id}/comcheck`, {});
  say(`comcheck: ${people.team.map((m) => m.name).join(' and ')} reach their console`);
  return applied.gameday.id;
}

/** Patterns of the gateway's log for the responders without Prometheus: each signal, and the line that clears it. */
function logPatterns(): Record<string, { firing: string; resolved?: string }> {
  return {
    ShopSlow: { firing: LOG_SIGNALS.ShopSlow },
    CatalogReplicaDown: { firing: LOG_SIGNALS.CatalogReplicaDown, resolved: String.raw`gateway: catalog catalog-\S+ healthy` },
  };
}

interface DayView {
  state: string;
  progress?: Progress;
}

/** The white cell's view until the day ends: each step injected and ended is said; Ctrl-C ends the day (every fault reverted). */
async function followDay(people: DemoPeople, id: string, options: GameDayDemoOptions): Promise<Progress> {
  const said = new Set<string>();
  let ending = false;
  for (;;) {
    if (options.signal.aborted && !ending) {
      ending = true;
      await people.facilitator.api.request('POST', `/api/v1/gamedays/${id}/commands`, { command: 'end' });
      options.say('the demo was interrupted: fiona ended the game day (its faults are reverted)');
    }
    const { gameday } = await people.facilitator.api.request<{ gameday: DayView }>('GET', `/api/v1/gamedays/${id}`);
    for (const step of gameday.progress?.steps ?? []) {
      const news = [
        step.injectedAt !== undefined && `step ${step.name}: injected (secret)`,
        step.state === 'ended' && `step ${step.name}: its run ended, ${step.verdict ?? '?'}${step.reason ? ` (${step.reason})` : ''}`,
      ];
      for (const line of news)
        if (line && !said.has(line)) {
          said.add(line);
          options.say(line);
        }
    }
    if (gameday.state === 'ended' && gameday.progress) {
      options.say(`the game day ended: ${gameday.progress.endedReason ?? ''}`);
      return gameday.progress;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function faultsOf(people: DemoPeople, progress: Progress): Promise<GameDayDemoResult['faults']> {
  const faults: GameDayDemoResult['faults'][number][] = [];
  for (const step of progress.steps) {
    if (!step.runId) continue;
    const { journal } = await people.facilitator.api.request<{ journal: Journal | null }>('GET', `/api/v1/runs/${step.runId}`);
    for (const fault of journal?.faults ?? [])
      faults.push({ step: step.name, type: fault.type, status: fault.status, ...(fault.verifiedAt && { verifiedAt: fault.verifiedAt }) });
  }
  return faults;
}

async function writeReview(
  people: DemoPeople,
  id: string,
  stateDir: string,
): Promise<{ measures: StepMeasures[]; paths: GameDayDemoResult['reports'] }> {
  const api = people.facilitator.api;
  const { measures } = await api.request<{ measures: StepMeasures[] }>('GET', `/api/v1/gamedays/${id}/review?format=json`);
  const dir = join(stateDir, 'demo', `gameday-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  const paths = { markdown: join(dir, 'review.md'), html: join(dir, 'review.html'), measures: join(dir, 'measures.json') };
  writeFileSync(paths.markdown, await api.text(`/api/v1/gamedays/${id}/review`));
  writeFileSync(paths.html, await api.text(`/api/v1/gamedays/${id}/review?format=html`));
  writeFileSync(paths.measures, `${JSON.stringify(measures, null, 2)}\n`);
  return { measures, paths };
}
