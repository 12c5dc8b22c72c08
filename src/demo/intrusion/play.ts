import type { CoverageReport } from '../../coverage/coverage.js';
import type { ReconstructionScore } from '../../gamedays/reconstruction.js';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { faultTag } from '../../engine/fault.js';
import type { FaultRecord, Journal } from '../../engine/journal.js';
import type { StepMeasures } from '../../gamedays/measures.js';
import type { Progress } from '../../gamedays/progress.js';
import { dayVerdict } from '../../gamedays/progress.js';
import { claimDirectory, removeDemoLeftovers } from '../leftovers.js';
import type { DemoControlPlane } from '../gameday/play.js';
import { makePeople } from '../gameday/people.js';
import type { DemoPeople } from '../gameday/people.js';
import { finalChecks, tearDownHost } from './cleanup.js';
import type { CleanReport } from './cleanup.js';
import { ACCOUNT, HOST_PORTS, SINK_PORT, startHost } from './host.js';
import type { DemoHost } from './host.js';
import { allowHostForAttacker } from './local-allow.js';
import { createHostNamespace, namespacesUnavailable, removeNamespaceLeftovers } from './namespace.js';
import type { HostNamespace } from './namespace.js';
import { runSecurityBot } from './responder.js';
import { intrusionGameDay, intrusionSteps, stepExperiment } from './scenario.js';
import type { IntrusionStep } from './scenario.js';
import { stepResults, timeline } from './timeline.js';
import type { IntrusionStepResult, TimelineRow } from './timeline.js';
import { startWatchers } from './watchers.js';
import type { Watchers } from './watchers.js';

const GAMEDAY = 'intrusion';

export interface IntrusionDemoOptions {
  readonly stateDir: string;
  readonly controlPlane: (options: { readonly inventory: string; readonly database: string }) => Promise<DemoControlPlane>;
  readonly bin: string;
  readonly signal: AbortSignal;
  readonly say: (line: string) => void;
}

export interface IntrusionDemoResult {
  /** What did not run, and why (no root, no namespaces, no sshd); empty when everything ran. */
  readonly skipped: readonly string[];
  readonly verdict: string;
  readonly reason: string;
  readonly steps: readonly IntrusionStepResult[];
  readonly timeline: readonly TimelineRow[];
  readonly faults: readonly { readonly step: string; readonly type: string; readonly status: string; readonly verifiedAt?: string }[];
  readonly reports?: { readonly markdown: string; readonly html: string; readonly measures: string };
  /** The team's reconstruction scored against what happened (the review's), when it filed one. */
  readonly reconstruction?: ReconstructionScore;
  /** The ATT&CK coverage after this drill, from the control plane (GET /api/v1/coverage). */
  readonly coverage?: CoverageReport;
  readonly cleanup: CleanReport;
  readonly host?: {
    readonly namespace: string;
    readonly address: string;
    readonly attacker: string;
    readonly dir: string;
    readonly ruleTag: string;
  };
}

/**
 * `firedrill demo --intrusion`: a host (a network namespace with sshd, a login endpoint and a
 * firedrill agent), a control plane of its own, the villains' four-step intrusion as a secret game
 * day, and a scripted security team that detects from the logs and contains on the host. Ends with
 * the review, the measures and a check that nothing is left. Without root or namespaces it runs
 * nothing and says why (the techniques it would detonate need a host that is not this machine).
 */
export async function playIntrusionDemo(options: IntrusionDemoOptions): Promise<IntrusionDemoResult> {
  const { say } = options;
  for (const line of [...(await removeDemoLeftovers()), ...(await removeNamespaceLeftovers())])
    say(`  removed what an earlier demo left behind: ${line}`);
  const missing = await whyNot();
  if (missing) {
    say(`skipped: the whole intrusion (${missing}); nothing was started`);
    return {
      skipped: [`the intrusion game day: ${missing}`],
      verdict: 'skipped',
      reason: missing,
      steps: [],
      timeline: [],
      faults: [],
      cleanup: { clean: true, checks: [] },
    };
  }
  const scratch = mkdtempSync(join(tmpdir(), 'firedrill-demo-'));
  claimDirectory(scratch);
  const ruleTag = `firedrill-demo-${process.pid}-${scratch.slice(-6)}`;
  let ns: HostNamespace | undefined;
  let host: DemoHost | undefined;
  let watchers: Watchers | undefined;
  let server: DemoControlPlane | undefined;
  let unallow: (() => void) | undefined;
  const botStop = new AbortController();
  let bot: Promise<void> | undefined;
  const stopBot = () => botStop.abort();
  options.signal.addEventListener('abort', stopBot, { once: true });
  let played: Omit<IntrusionDemoResult, 'cleanup' | 'skipped'> | undefined;
  const checks: { what: string; ok: boolean }[] = [];
  const tags: string[] = []; // every technique's tag: no process may carry one at the end
  try {
    ns = await createHostNamespace();
    say(`  a host: network namespace ${ns.name}, ${ns.host} (the attacker is this side, ${ns.attacker})`);
    host = await startHost(ns, scratch, options.bin, say);
    watchers = await startWatchers(
      ns,
      {
        authorizedKeys: host.authorizedKeys,
        hostLog: join(scratch, 'logs', 'host-monitor.log'),
        sinkLog: join(scratch, 'logs', 'tap.log'),
      },
      SINK_PORT,
    );
    unallow = allowHostForAttacker(options.stateDir, ns.host);
    const inventory = join(scratch, 'firedrill.inventory.yaml');
    writeFileSync(inventory, stringify({ version: 1, agents: { host: { url: host.agentUrl, tokenFile: host.agentTokenFile } } }));
    server = await options.controlPlane({ inventory, database: join(scratch, 'control-plane.db') });
    say(`  a control plane of its own: ${server.url}`);
    const people = await makePeople(server);
    const steps = intrusionSteps({
      loginUrl: host.loginUrl,
      sshLog: host.sshLog,
      loginLog: host.loginLog,
      hostLog: watchers.hostLog,
      sinkLog: watchers.sinkLog,
      sinkUrl: watchers.sinkUrl,
      authorizedKeys: host.authorizedKeys,
      account: ACCOUNT,
      host: ns.host,
      loginPort: HOST_PORTS.login,
      listenerPort: HOST_PORTS.listener,
    });
    const id = await prepareDay(people, steps, say);
    const launchedAt = Date.now();
    bot = runSecurityBot({
      members: people.team,
      gamedayId: id,
      ns,
      logs: { login: host.loginLog, host: watchers.hostLog, tap: watchers.sinkLog },
      authorizedKeys: host.authorizedKeys,
      guardedPorts: [HOST_PORTS.login, HOST_PORTS.ssh],
      ruleTag,
      reactionMs: 1500,
      say: (line) => say(`  ${line}`),
      signal: botStop.signal,
    });
    await people.facilitator.api.request('POST', `/api/v1/gamedays/${GAMEDAY}/launch`, {});
    say('fiona (facilitator) launched the game day; the security team sees only "Security game day on the host"');
    const progress = await followDay(people, id, options);
    await bot;
    const review = await writeReview(people, id, options.stateDir);
    const { coverage } = await people.facilitator.api.request<{ coverage: CoverageReport }>('GET', '/api/v1/coverage');
    const journals = await faultsOf(people, progress, tags);
    const techniques = new Map(steps.map((s) => [s.name, s.technique]));
    const results = stepResults(review.measures, journals, techniques);
    const { verdict, reason } = dayVerdict(progress);
    const uncontained = results.filter((r) => !r.contained).map((r) => r.step);
    played = {
      verdict: uncontained.length === 0 ? verdict : 'deviated',
      reason: uncontained.length === 0 ? reason : `${reason}; not contained: ${uncontained.join(', ')}`,
      steps: results,
      timeline: timeline(launchedAt, review.measures, results, journals),
      faults: [...journals].flatMap(([step, faults]) =>
        faults.map((f) => ({ step, type: f.type, status: f.status, ...(f.verifiedAt && { verifiedAt: f.verifiedAt }) })),
      ),
      reports: review.paths,
      ...(review.reconstruction && { reconstruction: review.reconstruction }),
      coverage,
      host: { namespace: ns.name, address: ns.host, attacker: ns.attacker, dir: scratch, ruleTag },
    };
  } finally {
    botStop.abort();
    await bot;
    options.signal.removeEventListener('abort', stopBot);
    await server?.close();
    await watchers?.stop();
    if (ns) checks.push(...(await tearDownHost(ns, ruleTag, host?.pids() ?? [])));
    unallow?.();
    if (host?.madeRunSshd) rmSync('/run/sshd', { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
    checks.push(...finalChecks(scratch, ns?.name, tags));
  }
  if (!played) throw new Error('the intrusion demo ended without a result'); // the try returned or threw
  const cleanup = { clean: checks.every((c) => c.ok), checks };
  const faultsOk = played.faults.every((f) => f.status === 'reverted' && f.verifiedAt !== undefined);
  return {
    ...played,
    ...(!cleanup.clean || !faultsOk
      ? { verdict: 'deviated', reason: `${played.reason}; ${!faultsOk ? 'a fault not verified reverted' : 'something was left behind'}` }
      : {}),
    skipped: [],
    cleanup,
  };
}

/** Why the demo cannot run here, or undefined: root, namespaces that work, sshd, iptables and ss. */
async function whyNot(): Promise<string | undefined> {
  const ns = await namespacesUnavailable();
  if (ns) return ns;
  const tools: [string, string][] = [
    ['/usr/sbin/sshd', 'openssh-server'],
    ['/usr/bin/ssh-keygen', 'openssh-client'],
    ['/usr/sbin/iptables', 'iptables'],
    ['/usr/bin/ss', 'iproute2'],
  ];
  const absent = tools.filter(([file]) => !existsSync(file));
  return absent.length
    ? `${absent.map(([f]) => f).join(', ')} not installed (apt-get install ${absent.map(([, p]) => p).join(' ')})`
    : undefined;
}

async function prepareDay(people: DemoPeople, steps: readonly IntrusionStep[], say: (line: string) => void): Promise<string> {
  const { villain } = people;
  for (const step of steps)
    await villain.api.request('POST', '/api/v1/experiments', { name: step.experiment, yaml: stepExperiment(step), secret: true });
  const yaml = intrusionGameDay({
    steps,
    villain: villain.name,
    facilitator: people.facilitator.name,
    team: people.team.map((m) => m.name),
  });
  const applied = await villain.api.request<{ gameday: { id: string } }>('POST', '/api/v1/gamedays/apply', {
    yaml,
    file: 'intrusion.yaml',
  });
  say(`vera (villain) wrote the secret scenario: ${steps.map((s) => s.name).join(', then ')}`);
  for (const member of people.team) await member.api.request('POST', `/api/v1/gamedays/${applied.gameday.id}/comcheck`, {});
  say(`comcheck: ${people.team.map((m) => m.name).join(' and ')} reach their console`);
  return applied.gameday.id;
}

/** The white cell's view until the day ends; Ctrl-C ends the day (every fault reverted). */
async function followDay(people: DemoPeople, id: string, options: IntrusionDemoOptions): Promise<Progress> {
  const said = new Set<string>();
  let ending = false;
  for (;;) {
    if (options.signal.aborted && !ending) {
      ending = true;
      await people.facilitator.api.request('POST', `/api/v1/gamedays/${id}/commands`, { command: 'end' });
      options.say('the demo was interrupted: fiona ended the game day (its faults are reverted)');
    }
    const { gameday } = await people.facilitator.api.request<{ gameday: { state: string; progress?: Progress } }>(
      'GET',
      `/api/v1/gamedays/${id}`,
    );
    for (const step of gameday.progress?.steps ?? []) {
      const news = [
        step.injectedAt !== undefined && `step ${step.name}: detonated (secret)`,
        step.containedAt !== undefined && `step ${step.name}: found contained on its host (${step.containedBy ?? 'its containment probe'})`,
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

async function faultsOf(people: DemoPeople, progress: Progress, tags: string[]): Promise<Map<string, FaultRecord[]>> {
  const faults = new Map<string, FaultRecord[]>();
  for (const step of progress.steps) {
    if (!step.runId) continue;
    const { journal } = await people.facilitator.api.request<{ journal: Journal | null }>('GET', `/api/v1/runs/${step.runId}`);
    faults.set(step.name, [...(journal?.faults ?? [])]);
    for (const fault of journal?.faults ?? []) tags.push(faultTag(step.runId, fault.faultId));
  }
  return faults;
}

async function writeReview(
  people: DemoPeople,
  id: string,
  stateDir: string,
): Promise<{ measures: StepMeasures[]; paths: NonNullable<IntrusionDemoResult['reports']>; reconstruction?: ReconstructionScore }> {
  const api = people.facilitator.api;
  const { measures, intrusion } = await api.request<{ measures: StepMeasures[]; intrusion: { scores: ReconstructionScore[] } | null }>(
    'GET',
    `/api/v1/gamedays/${id}/review?format=json`,
  );
  const reconstruction = intrusion?.scores[0];
  const dir = join(stateDir, 'demo', `intrusion-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  const paths = { markdown: join(dir, 'review.md'), html: join(dir, 'review.html'), measures: join(dir, 'measures.json') };
  writeFileSync(paths.markdown, await api.text(`/api/v1/gamedays/${id}/review`));
  writeFileSync(paths.html, await api.text(`/api/v1/gamedays/${id}/review?format=html`));
  writeFileSync(paths.measures, `${JSON.stringify(measures, null, 2)}\n`);
  return { measures, paths, ...(reconstruction && { reconstruction }) };
}
