import { stringify } from 'yaml';
import { FAILED_LOGIN } from './login-endpoint.js';

/**
 * The villains' intrusion, written as a user would write it: four secret experiments, one
 * technique each, and the game day that chains them — each step injected 2 s after the team
 * declared the one before contained:
 *
 *   brute-force (T1110.001)  attacker → host login         seen in the login log
 *   authorized-key (T1098.004) on the host                  seen by the file-integrity monitor
 *   backdoor (T1571) on the host                            seen by the socket inventory
 *   exfiltration (T1048.003) host → attacker's sink         seen by the network tap
 */

/** Where the scenario's things are, once the host runs. */
export interface IntrusionPlaces {
  readonly loginUrl: string;
  readonly sshLog: string;
  readonly loginLog: string;
  readonly hostLog: string;
  readonly sinkLog: string;
  readonly sinkUrl: string;
  readonly authorizedKeys: string;
  readonly account: string;
  readonly host: string;
  readonly loginPort: number;
  readonly listenerPort: number;
}

/**
 * How the password guessing is done: against the HTTP login (today), or sshd (the brute-force
 * technique's SSH mode, being added: a mode here says its params and the log line that shows it).
 */
export interface BruteForceMode {
  readonly name: 'http' | 'ssh';
  params(places: IntrusionPlaces): Record<string, unknown>;
  /** The log and the line that show the guessing to the defenders. */
  seen(places: IntrusionPlaces): { readonly file: string; readonly regex: string };
}

export const HTTP_BRUTE_FORCE: BruteForceMode = {
  name: 'http',
  // A short burst: the technique's detonation is the whole burst (its injection ends with the last login).
  params: (p) => ({ url: p.loginUrl, username: p.account, attempts: 8, perSecond: 10 }),
  seen: (p) => ({ file: p.loginLog, regex: FAILED_LOGIN }),
};

export interface IntrusionStep {
  readonly name: string;
  readonly experiment: string;
  readonly technique: string;
  readonly title: string;
  /** The inventory's host the technique runs on: `local` (the attacker's side) or `host`. */
  readonly on: 'local' | 'host';
  readonly params: Record<string, unknown>;
  readonly duration: string;
  /** The log line that shows it to the defenders. */
  readonly seen: { readonly file: string; readonly regex: string };
  /** What the runbook names as its cause. */
  readonly cause: { readonly service: string; readonly fault: string };
  /** A probe that turns green once contained, for a technique whose own check is not enough. */
  readonly containment?: Record<string, unknown>;
}

export function intrusionSteps(places: IntrusionPlaces, bruteForce: BruteForceMode = HTTP_BRUTE_FORCE): IntrusionStep[] {
  return [
    {
      name: 'brute-force',
      experiment: 'intrusion-brute-force',
      technique: 'brute-force',
      title: 'Password guessing against the host',
      on: 'local',
      params: bruteForce.params(places),
      // Held until contained (its check: the login no longer reachable from the attacker), at most this long.
      duration: '90s',
      seen: bruteForce.seen(places),
      cause: { service: 'login', fault: 'brute-force' },
    },
    {
      name: 'authorized-key',
      experiment: 'intrusion-authorized-key',
      technique: 'ssh-authorized-key',
      title: "A key added to the deploy account's authorized_keys",
      on: 'host',
      params: { file: places.authorizedKeys },
      duration: '90s',
      seen: { file: places.hostLog, regex: String.raw`fim: \S*authorized_keys changed` },
      cause: { service: 'sshd', fault: 'ssh-authorized-key' },
    },
    {
      name: 'backdoor',
      experiment: 'intrusion-backdoor',
      technique: 'backdoor-listener',
      title: 'A backdoor listening on the host',
      on: 'host',
      params: { port: places.listenerPort, address: '0.0.0.0', maxDuration: '3m' },
      duration: '90s',
      seen: { file: places.hostLog, regex: String.raw`edr: new listening socket \S+:${places.listenerPort} ` },
      cause: { service: 'host', fault: 'backdoor-listener' },
    },
    {
      name: 'exfiltration',
      experiment: 'intrusion-exfiltration',
      technique: 'http-exfiltration',
      title: 'A canary document sent to the attacker',
      on: 'host',
      params: { url: places.sinkUrl, bytes: 4096 },
      duration: '90s',
      seen: { file: places.sinkLog, regex: 'tap: POST .* canary="FIREDRILL-CANARY' },
      cause: { service: 'host', fault: 'http-exfiltration' },
    },
  ];
}

export function stepExperiment(step: IntrusionStep): string {
  return stringify({
    title: step.title,
    description: `${step.technique}, run by the agent of ${step.on === 'local' ? "the attacker's side" : 'the host'}.`,
    targets: { where: { kind: 'host', selector: { name: step.on } } },
    method: [{ name: step.name, fault: step.technique, target: 'where', params: step.params, duration: step.duration }],
    runtime: { maxDuration: '3m' },
  });
}

export function intrusionGameDay(options: {
  readonly steps: readonly IntrusionStep[];
  readonly villain: string;
  readonly facilitator: string;
  readonly team: readonly string[];
}): string {
  const scenario = options.steps.map((step, i) => ({
    name: step.name,
    experiment: step.experiment,
    cause: step.cause,
    ...(i > 0 && { trigger: { after: { step: options.steps[i - 1]?.name ?? '', declared: 'contained' }, delay: '2s' } }),
    ...(step.containment && { containment: step.containment }),
    expectations: [
      // From the run's start: a burst's lines are written while it is being injected.
      { name: 'seen', within: '30s', from: 'start', log: { file: step.seen.file, regex: step.seen.regex, every: '250ms' } },
      // The step's run waits for it: the day goes on only once the team said it is contained.
      { name: 'contained', within: '90s', manual: { declare: 'contained' } },
    ],
  }));
  return stringify({
    name: 'intrusion',
    title: 'Brute force, an authorized key, a backdoor, then a canary exfiltrated',
    publicTitle: 'Security game day on the host',
    villains: [options.villain],
    facilitator: options.facilitator,
    teams: { security: options.team },
    targets: { detect: '30s', acknowledge: '45s', contain: '1m' },
    maxDuration: '6m',
    // The ground truth the team's reconstruction is scored against: the guessing came in from the
    // attacker's side, the intrusion touched the host only.
    intrusion: { entryPoint: 'T1110.001', hosts: ['host'] },
    scenario,
  });
}
