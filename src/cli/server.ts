import { once } from 'node:events';
import { jsonLogger } from '../util/log.js';
import { UserError } from '../errors.js';
import { parseDuration } from '../util/duration.js';
import { parseListen } from './agent.js';

export interface ServerCommandOptions {
  readonly listen: string;
  readonly database?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly insecure?: boolean;
  readonly stateDir: string;
  readonly inventory?: string;
  readonly runLease: string;
  readonly leaseTtl: string;
  readonly drillClaim: string;
  readonly drillTick: string;
}

export const DEFAULT_SERVER_PORT = 7400;

/**
 * `firedrill server`: the control plane, until SIGINT/SIGTERM. Says where it listens and, on the
 * first start of its store only, the admin's one-time password (never a default credential).
 */
export async function serverCommand(options: ServerCommandOptions): Promise<number> {
  const { host, port } = parseListen(options.listen, DEFAULT_SERVER_PORT);
  const runLeaseMs = durationOption(options.runLease, '--run-lease', 1000);
  const faultLeaseTtlMs = durationOption(options.leaseTtl, '--lease-ttl', 300);
  const drills = {
    claimMs: durationOption(options.drillClaim, '--drill-claim', 1000),
    tickMs: durationOption(options.drillTick, '--drill-tick', 50),
  };
  const { startControlPlane } = await import('../server/serve.js');
  const log = jsonLogger(process.stderr);
  const server = await startControlPlane({
    stateDir: options.stateDir,
    database: options.database ?? process.env.FIREDRILL_DATABASE,
    listen: {
      host,
      port,
      ...(options.tlsCert !== undefined && { tlsCert: options.tlsCert }),
      ...(options.tlsKey !== undefined && { tlsKey: options.tlsKey }),
      insecure: options.insecure === true,
    },
    log,
    inventory: options.inventory,
    runLeaseMs,
    faultLeaseTtlMs,
    drills,
  });
  if (server.warning) process.stderr.write(`firedrill: warning: ${server.warning}\n`);
  // One write, so that a reader never sees the URL without the password that belongs with it.
  let said = `Firedrill control plane: ${server.url} (store: ${server.store.location})\n`;
  if (server.admin) {
    said +=
      `First start: log in as ${server.admin.name} with the one-time password ${server.admin.password}\n` +
      'It is shown only now and stored only as a hash: keep it, then make users and tokens (see docs/server.md).\n';
  }
  process.stdout.write(said);
  const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  log.info('stopping', { signal: String(signal[0] ?? '') });
  await server.close();
  return 0;
}

function durationOption(text: string, option: string, minMs: number): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < minMs || ms > 3_600_000) {
    throw new UserError('FD_INVALID_DURATION', `${option} ${text}: expected a duration between ${minMs} ms and 1h, like 10s`);
  }
  return Math.round(ms);
}
