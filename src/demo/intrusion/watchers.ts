import { appendFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { HostNamespace } from './namespace.js';
import { run } from './namespace.js';

/**
 * What stands for the host's security telemetry in the demo — the lines a file-integrity monitor
 * (auditd -w) and an EDR's socket inventory would write — and the attacker's sink, whose log
 * stands for the network tap that sees the canary leave (an IDS content rule on the marker).
 * Each writes one line per event to its log; the expectations and the responders read those.
 */
export interface Watchers {
  readonly hostLog: string;
  readonly sinkLog: string;
  readonly sinkUrl: string;
  stop(): Promise<void>;
}

/** A listening socket, as `ss -ltnpH` prints it: local address:port and the pids holding it. */
export interface Listening {
  readonly local: string;
  readonly port: number;
  readonly pids: readonly number[];
}

export async function listeningIn(ns: HostNamespace): Promise<Listening[]> {
  const out = await run(ns.inside(['ss', '-ltnpH']));
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const local = line.trim().split(/\s+/)[3] ?? '';
      return {
        local,
        port: Number(local.slice(local.lastIndexOf(':') + 1)),
        pids: [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])),
      };
    });
}

export async function startWatchers(
  ns: HostNamespace,
  files: { readonly authorizedKeys: string; readonly hostLog: string; readonly sinkLog: string },
  sinkPort: number,
): Promise<Watchers> {
  const write = (file: string, line: string) => appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
  write(files.hostLog, `monitor: watching ${files.authorizedKeys} and the listening sockets of ${ns.name}`);
  write(files.sinkLog, `tap: watching traffic between ${ns.host} and ${ns.attacker}`);
  let keys = readFileSync(files.authorizedKeys, 'utf8');
  const known = new Set((await listeningIn(ns)).map((l) => l.local));
  let stopped = false;
  const look = async () => {
    const now = readFileSync(files.authorizedKeys, 'utf8');
    if (now !== keys) {
      const before = keys.split('\n');
      const added = now.split('\n').filter((line) => line !== '' && !before.includes(line));
      const comments = added.map((line) => line.split(' ').slice(2).join(' ') || '(no comment)');
      const removed = before.filter((line) => line !== '' && !now.split('\n').includes(line)).length;
      if (added.length > 0)
        write(files.hostLog, `fim: ${files.authorizedKeys} changed: ${added.length} key(s) added: ${comments.join(', ')}`);
      else write(files.hostLog, `fim: ${files.authorizedKeys}: ${removed} key(s) removed`);
      keys = now;
    }
    const sockets = await listeningIn(ns);
    for (const socket of sockets) {
      if (known.has(socket.local)) continue;
      known.add(socket.local);
      write(files.hostLog, `edr: new listening socket ${socket.local} pid=${socket.pids.join(',') || '?'}`);
    }
    // A socket closed is forgotten: the same address listened on again is new again.
    for (const local of [...known]) if (!sockets.some((l) => l.local === local)) known.delete(local);
  };
  const loop = (async () => {
    while (!stopped) {
      await look().catch(() => undefined); // the namespace going away at the end
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  const sink = await startSink(ns.attacker, sinkPort, (line) => write(files.sinkLog, line));
  return {
    hostLog: files.hostLog,
    sinkLog: files.sinkLog,
    sinkUrl: `http://${ns.attacker}:${sinkPort}/upload`,
    async stop() {
      stopped = true;
      await loop;
      await new Promise<void>((resolve) => sink.close(() => resolve()));
      sink.closeAllConnections();
    },
  };
}

/** The attacker's sink: takes any POST (at most 1 MiB kept), logs the canary's first line and the source. */
function startSink(address: string, port: number, log: (line: string) => void): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (chunk: string) => {
      if (body.length < 1 << 20) body += chunk;
    });
    req.on('end', () => {
      const from = (req.socket.remoteAddress ?? '?').replace(/^::ffff:/, '');
      const first = body.split('\n')[0]?.slice(0, 120) ?? '';
      const canary = first.startsWith('FIREDRILL-CANARY') ? ` canary="${first}"` : '';
      log(`tap: ${req.method ?? '?'} ${req.url ?? ''} from=${from} to=${address}:${port} bytes=${body.length}${canary}`);
      res.writeHead(200).end('ok\n');
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve(server));
  });
}
