import type pg from 'pg';
import { timedQuery } from './connect.js';

/** True while the server replays WAL as a standby; false on a primary (or a promoted one). */
export async function isInRecovery(client: pg.Client | pg.Pool): Promise<boolean> {
  const result = await client.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
  return result.rows[0]?.recovery ?? false;
}

/**
 * Promotes a standby to primary and waits until it accepts writes (`pg_promote(wait => true)`).
 * Two callers racing is harmless: the second finds a primary and its call returns false — which
 * is why success is judged by recovery having ended, not by the return value.
 */
export async function promote(client: pg.Client | pg.Pool, waitSeconds = 10): Promise<void> {
  try {
    // The client's own query timeout (short in the orders service) must not cut the wait short.
    await client.query(timedQuery('SELECT pg_promote(true, $1)', [waitSeconds], (waitSeconds + 1) * 1000));
  } catch (error) {
    // "recovery is not in progress": someone else promoted it first.
    if (!(await isInRecovery(client).catch(() => true))) return;
    throw error;
  }
  if (await isInRecovery(client)) throw new Error(`the standby did not finish promotion within ${waitSeconds} s`);
}
