// The paths the proxy bench compares, each to the same three upstreams:
//
//   direct     client → upstream
//   firedrill  client → the agent's fault proxy (PUT /v1/proxies/…, no toxic) → upstream
//   nginx      client → nginx `stream { server { listen …; proxy_pass …; } }`, 1 worker → upstream
//   node-pipe  client → a bare Node `net` proxy (pipe both ways) → upstream
//
// Upstreams: echo (latency, rss, inject), bulk (iperf3 -s, or the Node harness) and http (nginx
// `return 200`, or a Node http server). Everything started here is stopped by `s.stops`.
import { api, groupPids, stopGroup } from '../support.mjs';
import { startHelper, stopHelper } from './helper-process.mjs';
import { HOST, freePort } from './net.mjs';
import { nginxWorkers, returnOkConfig, startNginx, streamConfig } from './nginx.mjs';
import { startIperfServer } from './throughput.mjs';

/** A helper process, stopped at the end. */
async function helper(s, role, args) {
  const started = await startHelper(s.dir, role, args);
  s.stops.push(() => stopHelper(started));
  return started;
}

/** An nginx, stopped at the end (SIGTERM: fast shutdown). */
async function nginx(s, name, ports, body) {
  const server = await startNginx(s.dir, name, s.tools.nginx, ports, body);
  s.stops.push(() => stopGroup(server.pid));
  return server;
}

/** The upstreams, before the agent starts: `s.upstreams` { echo, bulk, http } (ports), `s.echo`. */
export async function startUpstreams(s) {
  s.echo = await helper(s, 'echo');
  s.upstreams = { echo: s.echo.info.port };
  if (s.tools.iperf3) {
    const port = await freePort();
    const server = await startIperfServer(port);
    s.stops.push(() => stopGroup(server.pid));
    s.upstreams.bulk = port;
  } else {
    s.upstreams.bulk = (await helper(s, 'bulk-server')).info.port;
  }
  if (s.tools.nginx) {
    const port = await freePort();
    await nginx(s, 'nginx-upstream', [port], returnOkConfig(port));
    s.upstreams.http = port;
  } else {
    s.upstreams.http = (await helper(s, 'http')).info.port;
  }
}

/**
 * Every path to every upstream: `s.paths` (names), `s.ports[path][service]`, the agent's proxy
 * to the echo server (`s.benchProxy`), and the processes doing each path's proxying.
 */
export async function openPaths(s) {
  const { upstreams, agent } = s;
  const services = Object.keys(upstreams);
  const ports = { direct: { ...upstreams }, firedrill: {}, nginx: {}, 'node-pipe': {} };
  const proxyNames = { echo: 'bench', bulk: 'bench-bulk', http: 'bench-http' };
  for (const service of services) {
    const info = await api(agent, 'PUT', `/v1/proxies/${proxyNames[service]}`, {
      listen: `${HOST}:0`,
      upstream: `${HOST}:${upstreams[service]}`,
    });
    ports.firedrill[service] = Number(info.address.split(':').pop());
    if (service === 'echo') s.benchProxy = info;
  }
  const pipe = await helper(
    s,
    'pipe-proxy',
    services.map((service) => String(upstreams[service])),
  );
  services.forEach((service, i) => (ports['node-pipe'][service] = pipe.info.ports[i]));
  let stream;
  if (s.tools.nginx) {
    const listen = await Promise.all(services.map(() => freePort()));
    services.forEach((service, i) => (ports.nginx[service] = listen[i]));
    stream = await nginx(
      s,
      'nginx-stream',
      listen,
      streamConfig(
        listen,
        services.map((service) => upstreams[service]),
      ),
    );
  }
  s.ports = ports;
  s.paths = ['direct', 'firedrill', ...(s.tools.nginx ? ['nginx'] : []), 'node-pipe'];
  /** The processes doing a path's proxying, for CPU time. */
  s.proxyPids = (path) =>
    ({ direct: [], firedrill: [agent.pid], nginx: stream ? groupPids(stream.pid) : [], 'node-pipe': [pipe.pid] })[path];
  /** …and for RSS: nginx's worker, not its master. */
  s.rssPids = (path) => (path === 'nginx' ? nginxWorkers(stream.pid) : s.proxyPids(path));
  /** How many connections the agent's echo proxy holds. */
  s.agentConnections = async () => (await api(agent, 'GET', '/v1/proxies')).proxies.find((p) => p.name === 'bench')?.connections;
}
