import { closeSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { errorMessage } from '../../errors.js';
import { isAlive } from '../../targets/proc.js';
import type { ControlPlaneClient } from '../../server-client/client.js';
import { FAILED_LOGIN } from './login-endpoint.js';
import type { HostNamespace } from './namespace.js';
import { run } from './namespace.js';
import { listeningIn } from './watchers.js';

export interface SecurityBotOptions {
  readonly members: readonly { readonly name: string; readonly api: ControlPlaneClient }[];
  readonly gamedayId: string;
  readonly ns: HostNamespace;
  /** The logs a defender reads: the login endpoint's, the host monitor's, the network tap's. */
  readonly logs: { readonly login: string; readonly host: string; readonly tap: string };
  readonly authorizedKeys: string;
  /** The ports the login and sshd listen on: what a brute-forcing address is blocked from. */
  readonly guardedPorts: readonly number[];
  /** Carried by every firewall rule the bot adds (iptables comment): the demo removes them by it. */
  readonly ruleTag: string;
  readonly reactionMs: number;
  readonly say: (line: string) => void;
  readonly signal: AbortSignal;
}

type Incident =
  | { readonly kind: 'brute-force'; readonly from: string; readonly seen: string }
  | { readonly kind: 'authorized-key'; readonly seen: string }
  | { readonly kind: 'backdoor'; readonly port: number; readonly pids: readonly number[]; readonly seen: string }
  | { readonly kind: 'exfiltration'; readonly to: string; readonly port: number; readonly seen: string };

/** What the runbook names as the cause of each kind of incident (the scenario's `cause`), and its ATT&CK technique. */
const RUNBOOK: Readonly<Record<Incident['kind'], { readonly service: string; readonly fault: string; readonly attack: string }>> = {
  'brute-force': { service: 'login', fault: 'brute-force', attack: 'T1110.001' },
  'authorized-key': { service: 'sshd', fault: 'ssh-authorized-key', attack: 'T1098.004' },
  backdoor: { service: 'host', fault: 'backdoor-listener', attack: 'T1571' },
  exfiltration: { service: 'host', fault: 'http-exfiltration', attack: 'T1048.003' },
};

/** Failed logins from one address within the window that make a brute force. */
const BURST = 5;

/**
 * The scripted security team of `firedrill demo --intrusion` — a bot, and it says so. It sees what
 * a defender sees — the login log, the host monitor's lines, the network tap — never the
 * scenario; on a signal it declares detected, acknowledged and the cause its runbook names, then
 * acts on the host as its runbook says: blocks the guessing address from the login (iptables in
 * the host's namespace), takes the keys nobody approved out of authorized_keys, kills the process
 * holding an unknown listening socket, blocks the destination the canary went to. Then it
 * declares contained; Firedrill measures containment by itself through each technique's check.
 */
export async function runSecurityBot(options: SecurityBotOptions): Promise<void> {
  const tails = { login: tail(options.logs.login), host: tail(options.logs.host), tap: tail(options.logs.tap) };
  const approvedKeys = readFileSync(options.authorizedKeys, 'utf8');
  const failures = new Map<string, number[]>();
  const handled = new Set<string>();
  const reconstructed: string[] = [];
  const member = (i: number) => options.members[i % options.members.length];
  const declare = async (who: number, body: Record<string, unknown>) => {
    const m = member(who);
    if (!m) return;
    await m.api.request('POST', `/api/v1/gamedays/${options.gamedayId}/declarations`, body);
    options.say(`${m.name} (security bot): ${String(body.declare)}${typeof body.detail === 'string' ? ` — ${body.detail}` : ''}`);
  };
  const incidents = (): Incident[] => {
    const found: Incident[] = [];
    for (const line of tails.login()) {
      const m = new RegExp(FAILED_LOGIN).exec(line);
      if (!m?.[2]) continue;
      const recent = [...(failures.get(m[2]) ?? []), Date.now()].filter((at) => Date.now() - at < 10_000);
      failures.set(m[2], recent);
      if (recent.length >= BURST) found.push({ kind: 'brute-force', from: m[2], seen: `${recent.length} failed logins from ${m[2]}` });
    }
    for (const line of tails.host()) {
      if (/fim: \S*authorized_keys changed/.test(line)) found.push({ kind: 'authorized-key', seen: line.replace(/^\S+ /, '') });
      const socket = /edr: new listening socket (\S+):(\d+) pid=([\d,]+)/.exec(line);
      if (socket)
        found.push({
          kind: 'backdoor',
          port: Number(socket[2]),
          pids: (socket[3] ?? '').split(',').map(Number),
          seen: line.replace(/^\S+ /, ''),
        });
    }
    for (const line of tails.tap()) {
      const sent = /tap: POST \S* from=\S+ to=([\d.]+):(\d+) .*canary=/.exec(line);
      if (sent?.[1])
        found.push({
          kind: 'exfiltration',
          to: sent[1],
          port: Number(sent[2]),
          seen: `a canary document sent to ${sent[1]}:${sent[2] ?? ''}`,
        });
    }
    return found;
  };
  const contain = async (incident: Incident): Promise<string> => {
    const iptables = (rule: readonly string[]) =>
      run(options.ns.inside(['iptables', '-I', ...rule, '-m', 'comment', '--comment', options.ruleTag]));
    switch (incident.kind) {
      case 'brute-force':
        await iptables([
          'INPUT',
          '-s',
          incident.from,
          '-p',
          'tcp',
          '-m',
          'multiport',
          '--dports',
          options.guardedPorts.join(','),
          '-j',
          'REJECT',
          '--reject-with',
          'tcp-reset',
        ]);
        return `blocked ${incident.from} from ports ${options.guardedPorts.join(', ')} (iptables on the host)`;
      case 'authorized-key': {
        const approved = new Set(approvedKeys.split('\n').filter(Boolean));
        const now = readFileSync(options.authorizedKeys, 'utf8').split('\n').filter(Boolean);
        const kept = now.filter((line) => approved.has(line));
        writeFileSync(options.authorizedKeys, kept.map((line) => `${line}\n`).join(''));
        return `removed ${now.length - kept.length} unapproved key(s) from ${options.authorizedKeys}`;
      }
      case 'backdoor': {
        // Only what `ss` says holds that port now: never a pid read from a log alone.
        const holders = (await listeningIn(options.ns)).filter((l) => l.port === incident.port).flatMap((l) => l.pids);
        for (const pid of holders) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
        return `killed pid ${holders.join(', ') || '(none left)'} listening on port ${incident.port}`;
      }
      case 'exfiltration':
        await iptables([
          'OUTPUT',
          '-d',
          incident.to,
          '-p',
          'tcp',
          '--dport',
          String(incident.port),
          '-j',
          'REJECT',
          '--reject-with',
          'tcp-reset',
        ]);
        return `blocked the host from ${incident.to}:${incident.port} (iptables on the host)`;
    }
  };
  const respond = async (incident: Incident) => {
    options.say(`the security team sees: ${incident.seen}`);
    await sleep(options.reactionMs, options.signal);
    await declare(0, { declare: 'detected', detail: incident.seen });
    await declare(1, { declare: 'acknowledged', detail: 'on it' });
    const { service, fault, attack } = RUNBOOK[incident.kind];
    await declare(0, { declare: 'diagnosed', cause: { service, fault }, detail: `runbook: ${incident.kind}` });
    const done = await contain(incident);
    await declare(1, { declare: 'contained', detail: done });
    // The reconstruction so far (the last one filed counts): what was seen, in order; the first is the way in.
    if (!reconstructed.includes(attack)) reconstructed.push(attack);
    const finding = { techniques: reconstructed, entryPoint: reconstructed[0], hosts: ['host'] };
    await member(0)?.api.request('POST', `/api/v1/gamedays/${options.gamedayId}/findings`, finding);
    options.say(`${member(0)?.name ?? ''} (security bot): reconstruction — ${reconstructed.join(' → ')} on host`);
  };
  while (!options.signal.aborted) {
    try {
      const day = await member(0)?.api.request<{ gameday: { state: string } }>('GET', `/api/v1/gamedays/${options.gamedayId}`);
      if (day?.gameday.state === 'ended') return;
      for (const incident of incidents()) {
        const key = incident.kind === 'brute-force' ? `${incident.kind} ${incident.from}` : `${incident.kind} ${incident.seen}`;
        if (handled.has(key)) continue;
        handled.add(key);
        await respond(incident);
      }
    } catch (error) {
      if (!options.signal.aborted) options.say(`security bot: ${errorMessage(error)} (trying again)`);
    }
    await sleep(250, options.signal);
  }
}

/** New complete lines of a file since the last call (from its end when made). */
function tail(file: string): () => string[] {
  let offset = size(file);
  let partial = '';
  return () => {
    const now = size(file);
    if (now <= offset) return [];
    const fd = openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(now - offset);
      offset += readSync(fd, buffer, 0, buffer.length, offset);
      const lines = (partial + buffer.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      return lines;
    } finally {
      closeSync(fd);
    }
  };
}

function size(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
