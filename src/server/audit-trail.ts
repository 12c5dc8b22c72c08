import type { Context } from 'hono';
import type { Store } from '../store/store.js';
import type { AuthVariables } from './auth.js';
import { clientAddress } from './auth.js';

type AuthContext = Context<{ Variables: AuthVariables }>;

/** Appends who did `action` to `target`, from where, and how it ended. */
export async function audit(
  store: Store,
  c: AuthContext | Context,
  entry: { action: string; target?: string; outcome?: string; detail?: Record<string, unknown>; actor?: string },
): Promise<void> {
  const principal = (c as AuthContext).get('principal') as AuthVariables['principal'] | undefined;
  await store.audit.append({
    actor: entry.actor ?? principal?.name ?? 'anonymous',
    action: entry.action,
    target: entry.target,
    address: clientAddress(c),
    outcome: entry.outcome ?? 'ok',
    detail: entry.detail,
  });
}
