import type * as Crypto from 'node:crypto';
import type * as FsPromises from 'node:fs/promises';
import { z } from 'zod';
import { UserError, errorMessage } from '../errors.js';
import type { FaultContext, SweepableFault } from '../engine/fault.js';
import { lazy } from '../util/lazy-builtin.js';
import { addressUrl } from './support/addresses.js';
import { connects } from './support/connect.js';
import { askpassPath, removeAskpass, sshLogin, writeAskpass } from './support/ssh-login.js';
import type { Technique } from './technique.js';

const { randomBytes } = lazy<typeof Crypto>('node:crypto');
const { lstat, readdir } = lazy<typeof FsPromises>('node:fs/promises');

/** Past its pace (attempts ÷ perSecond), the burst has this long to finish: then it stops, whatever is left. */
const GRACE_MS = 10_000;
/** Each login's own bound. */
const LOGIN_TIMEOUT_MS = 5000;
/** A login name ssh takes as it is: no space, no option look-alike. */
const SSH_USER = /^[A-Za-z0-9_.][A-Za-z0-9_.@-]{0,99}$/;

const params = z.strictObject({
  url: addressUrl(
    'the login: an HTTP endpoint (POST), or ssh://ADDRESS[:PORT] for an SSH server (password logins); a host the host allows, allow.json "hosts"',
    ['http', 'https', 'ssh'],
  ),
  username: z.string().min(1).max(100).describe('the account the failed logins name'),
  attempts: z.int().min(1).max(200).default(20).describe('failed logins in the burst (at most 200)'),
  perSecond: z.int().min(1).max(50).default(10).describe('how fast (at most 50 a second)'),
  form: z
    .enum(['json', 'urlencoded'])
    .default('json')
    .describe('HTTP: how the credentials are sent, {username, password} as JSON or a form (unused for ssh://)'),
});

type Params = z.output<typeof params>;
type State = {
  attempts: number;
  /** HTTP status → count; for SSH: denied, accepted, error. */
  statuses: Record<string, number>;
  /** Why the burst ended: every attempt made, its deadline reached, or the run aborted. */
  stopped: 'count' | 'deadline' | 'aborted';
  elapsedMs: number;
};
type Attempt = (password: string, timeoutMs: number) => Promise<{ key: string; unreachable?: string }>;

/**
 * T1110.001: password guessing — a bounded burst of failed logins (at most 200, at most 50 a
 * second, and never past its pace plus 10 s) against the HTTP login or the SSH server the drill
 * names; every password is a random one carrying the drill's tag, so none can succeed by chance
 * and each is recognisable in the logs. Over SSH it is the system's OpenSSH client, so sshd logs
 * each as `Failed password for … from …`; the askpass program it needs is the drill's only
 * artefact (in the agent's work directory), removed on revert.
 */
export const bruteForce: Technique<Params, State> & SweepableFault = {
  name: 'brute-force',
  summary:
    'T1110.001 Brute Force: Password Guessing — a bounded burst of failed logins against the HTTP login or SSH server (ssh://) you name.',
  attack: {
    id: 'T1110.001',
    name: 'Brute Force: Password Guessing',
    touches: "nothing on the host but a tagged askpass program in the agent's work directory (SSH): failed logins in the service's logs",
    prerequisites: 'the login endpoint is in the host allow-list (allow.json "hosts"); the ssh client (openssh-client) for ssh://',
    telemetry: [
      'a burst of failed logins for one account from one source (auth logs, WAF, rate limiter)',
      'sshd: "Failed password for [invalid user] NAME from ADDRESS port … ssh2" (auth.log, journald; fail2ban, an IDS)',
      'an account lockout, if the service has one',
    ],
  },
  targetKind: 'host',
  params,
  reversible: true,

  /** Contained: this host can no longer open a connection to the login (the source is blocked, or the service is shut). */
  async contained(ctx) {
    const url = new URL(ctx.params.url);
    const port = Number(url.port || { 'ssh:': 22, 'https:': 443 }[url.protocol] || 80);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return (await connects(host, port, 2000))
      ? { ok: false, detail: `this host still reaches the login at ${url.host}` }
      : { ok: true, detail: `this host can no longer reach the login at ${url.host}` };
  },

  async inject(ctx) {
    const { url, username, attempts, perSecond } = ctx.params;
    const ssh = new URL(url).protocol === 'ssh:';
    if (ssh && !SSH_USER.test(username))
      throw new UserError('FD_BAD_USERNAME', `${JSON.stringify(username)} is not a login name ssh takes as it is`);
    const attempt = ssh ? await sshAttempt(ctx) : httpAttempt(ctx);
    const started = Date.now();
    const deadline = started + (attempts / perSecond) * 1000 + GRACE_MS;
    const statuses: Record<string, number> = {};
    let stopped: State['stopped'] = 'count';
    for (let i = 0; i < attempts; i++) {
      if (ctx.signal.aborted) stopped = 'aborted';
      else if (Date.now() >= deadline) stopped = 'deadline';
      if (stopped !== 'count') break;
      const at = Date.now();
      const password = `firedrill-${ctx.tag}-${randomBytes(6).toString('hex')}`;
      const { key, unreachable } = await attempt(password, Math.min(LOGIN_TIMEOUT_MS, Math.max(1, deadline - at)));
      if (unreachable !== undefined && i === 0 && !ctx.signal.aborted) {
        if (ssh) await removeAskpass(ctx.workDir, ctx.tag);
        throw new UserError('FD_LOGIN_UNREACHABLE', `the login ${url} cannot be reached: ${unreachable}`);
      }
      statuses[key] = (statuses[key] ?? 0) + 1;
      const wait = Math.min(at + 1000 / perSecond, deadline) - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const made = Object.values(statuses).reduce((a, b) => a + b, 0);
    return { attempts: made, statuses, stopped, elapsedMs: Date.now() - started };
  },

  // Failed logins leave nothing to undo; the SSH mode's askpass program is removed.
  revert: (ctx) => removeAskpass(ctx.workDir, ctx.tag),

  async verify(ctx, state) {
    const sent = state ? `${state.attempts} failed logins sent` : 'a burst of logins';
    if (await lstat(askpassPath(ctx.workDir, ctx.tag)).catch(() => undefined))
      return { ok: false, detail: `the askpass program ${askpassPath(ctx.workDir, ctx.tag)} is still there (${sent})` };
    return { ok: true, detail: `nothing left on this host (${sent})` };
  },

  async sweep(scope) {
    if (!scope.workDir) return [];
    const removed: string[] = [];
    for (const name of await readdir(scope.workDir).catch(() => [] as string[])) {
      const tag = /^fd-askpass-(fd-.+)$/.exec(name)?.[1];
      if (!tag || !scope.isOrphan(tag)) continue;
      await removeAskpass(scope.workDir, tag);
      removed.push(`brute-force askpass ${askpassPath(scope.workDir, tag)}`);
    }
    return removed;
  },
};

function httpAttempt(ctx: FaultContext<Params>): Attempt {
  const { url, username, form } = ctx.params;
  return async (password, timeoutMs) => {
    const body = form === 'json' ? JSON.stringify({ username, password }) : new URLSearchParams({ username, password }).toString();
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': form === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
          'x-firedrill-tag': ctx.tag,
        },
        body,
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]),
      });
      await response.arrayBuffer();
      return { key: String(response.status) };
    } catch (error) {
      return { key: 'error', unreachable: errorMessage(error) };
    }
  };
}

async function sshAttempt(ctx: FaultContext<Params>): Promise<Attempt> {
  const target = new URL(ctx.params.url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = target.port === '' ? 22 : Number(target.port);
  const askpass = await writeAskpass(ctx.workDir, ctx.tag).catch((error: unknown) => {
    throw new UserError('FD_EXISTS', `cannot write the askpass program in ${ctx.workDir}: ${errorMessage(error)}`, { cause: error });
  });
  return async (password, timeoutMs) => {
    const { outcome, detail } = await sshLogin({
      host,
      port,
      username: ctx.params.username,
      password,
      askpass,
      timeoutMs,
      signal: ctx.signal,
    });
    return outcome === 'error' ? { key: outcome, unreachable: detail } : { key: outcome };
  };
}
