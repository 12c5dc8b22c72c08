// nginx for the proxy bench: the reference `stream` proxy (1 worker) and, when it is there, the
// HTTP upstream of the wrk table (`return 200`). Each its own prefix and config in the temp dir,
// in the foreground, in its own process group — never the system's nginx.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupPids, isGone, pollUntil, track } from '../support.mjs';
import { HOST, canConnect } from './net.mjs';

/** The worker processes of an nginx (its master leads the group): where the proxying happens. */
export const nginxWorkers = (masterPid) => groupPids(masterPid).filter((pid) => pid !== masterPid);

/** `http { … }` of an upstream that answers every request 200 "ok", keep-alive. */
export const returnOkConfig = (port) => `http {
  access_log off;
  client_body_temp_path temp/body;
  proxy_temp_path temp/proxy;
  fastcgi_temp_path temp/fastcgi;
  uwsgi_temp_path temp/uwsgi;
  scgi_temp_path temp/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  server {
    listen ${HOST}:${port} default_server;
    location / { default_type text/plain; return 200 "ok\\n"; }
  }
}`;

/** `stream { … }` proxying `listen[i]` to `upstreams[i]`. */
export const streamConfig = (listen, upstreams) =>
  `stream {\n${upstreams.map((upstream, i) => `  server { listen ${HOST}:${listen[i]}; proxy_pass ${HOST}:${upstream}; }`).join('\n')}\n}`;

/** Starts nginx with `body` (a config block) and waits until it accepts on every one of `ports`. */
export async function startNginx(dir, name, nginx, ports, body) {
  const prefix = join(dir, name);
  mkdirSync(join(prefix, 'temp'), { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `${nginx.loadModule ? `load_module ${nginx.loadModule};\n` : ''}daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 16384;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 8192; }
${body}
`,
  );
  const child = spawn('nginx', ['-p', `${prefix}/`, '-c', conf, '-e', join(prefix, 'error.log')], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  track(child.pid, { group: true });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const up = await pollUntil(
    async () => {
      if (isGone(child.pid)) return true;
      const open = await Promise.all(ports.map((port) => canConnect(port)));
      return open.every(Boolean) && nginxWorkers(child.pid).length > 0;
    },
    10_000,
    5,
  );
  if (up === undefined || isGone(child.pid)) {
    let log = '';
    try {
      log = readFileSync(join(prefix, 'error.log'), 'utf8');
    } catch {
      // none
    }
    throw new Error(`nginx (${name}) did not start: ${stderr}${log}`);
  }
  return { pid: child.pid, name };
}
