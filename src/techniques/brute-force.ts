import type * as Crypto from 'node:crypto';
import { z } from 'zod';
import { UserError, errorMessage } from '../errors.js';
import { lazy } from '../util/lazy-builtin.js';
import { addressUrl } from './support/addresses.js';
import type { Technique } from './technique.js';

const { randomBytes } = lazy<typeof Crypto>('node:crypto');

const params = z.strictObject({
  url: addressUrl('the login endpoint (a host the host allows, allow.json "hosts")'),
  username: z.string().min(1).max(100).describe('the account the failed logins name'),
  attempts: z.int().min(1).max(200).default(20).describe('failed logins in the burst (at most 200)'),
  perSecond: z.int().min(1).max(50).default(10).describe('how fast (at most 50 a second)'),
  form: z.enum(['json', 'urlencoded']).default('json').describe('how the credentials are sent: {username, password} as JSON or a form'),
});

type Params = z.output<typeof params>;
type State = { attempts: number; statuses: Record<string, number> };

/**
 * T1110.001: password guessing — a bounded burst of failed logins (at most 200, at most 50 a
 * second) against the HTTP login the drill names; every password is a random one carrying the
 * drill's tag, so none can succeed by chance and each is recognisable in the logs.
 */
export const bruteForce: Technique<Params, State> = {
  name: 'brute-force',
  summary: 'T1110.001 Brute Force: Password Guessing — a bounded burst of failed logins against the HTTP login you name.',
  attack: {
    id: 'T1110.001',
    name: 'Brute Force: Password Guessing',
    touches: "nothing on the host: failed logins in the login service's own logs and counters",
    prerequisites: 'the login endpoint is in the host allow-list (allow.json "hosts")',
    telemetry: [
      'a burst of failed logins for one account from one source (auth logs, WAF, rate limiter)',
      'an account lockout, if the service has one',
    ],
  },
  targetKind: 'host',
  params,
  reversible: true,

  async inject(ctx) {
    const { url, username, attempts, perSecond, form } = ctx.params;
    const statuses: Record<string, number> = {};
    for (let i = 0; i < attempts && !ctx.signal.aborted; i++) {
      const started = Date.now();
      const password = `firedrill-${ctx.tag}-${randomBytes(6).toString('hex')}`;
      const body = form === 'json' ? JSON.stringify({ username, password }) : new URLSearchParams({ username, password }).toString();
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': form === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
            'x-firedrill-tag': ctx.tag,
          },
          body,
          signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(5000)]),
        });
        await response.arrayBuffer();
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      } catch (error) {
        if (i === 0)
          throw new UserError('FD_LOGIN_UNREACHABLE', `the login ${url} cannot be reached: ${errorMessage(error)}`, { cause: error });
        statuses.error = (statuses.error ?? 0) + 1;
      }
      const wait = started + 1000 / perSecond - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    return { attempts: Object.values(statuses).reduce((a, b) => a + b, 0), statuses };
  },

  revert: () => Promise.resolve(), // failed logins leave nothing to undo on this host

  verify(_ctx, state) {
    return Promise.resolve({
      ok: true,
      detail: `nothing left on this host (${state ? `${state.attempts} failed logins sent` : 'a burst of logins'})`,
    });
  },
};
