import { once } from 'node:events';
import { jsonLogger } from '../util/log.js';
import { parseListen } from './agent.js';

export interface ServerCommandOptions {
  readonly listen: string;
  readonly database?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly insecure?: boolean;
  readonly stateDir: string;
}

const DEFAULT_SERVER_PORT = 7400;

/**
 * `firedrill server`: the control plane, until SIGINT/SIGTERM. Says where it listens and, on the
 * first start of its store only, the admin's one-time password (never a default credential).
 */
export async function serverCommand(options: ServerCommandOptions): Promise<number> {
  const { host, port } = parseListen(options.listen, DEFAULT_SERVER_PORT);
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
  });
  if (server.warning) process.stderr.write(`firedrill: warning: ${server.warning}\n`);
  process.stdout.write(`Firedrill control plane: ${server.url} (store: ${server.store.location})\n`);
  if (server.admin) {
    process.stdout.write(
      `First start: log in as ${server.admin.name} with the one-time password ${server.admin.password}\n` +
        'It is shown only now and stored only as a hash: keep it, then make users and tokens (see docs/server.md).\n',
    );
  }
  const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  log.info('stopping', { signal: String(signal[0] ?? '') });
  await server.close();
  return 0;
}
