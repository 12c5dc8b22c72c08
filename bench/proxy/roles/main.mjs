// A helper process of the proxy bench: `node bench/proxy/roles/main.mjs <role> …args`, started by
// ../helper-process.mjs in its own process group. It prints one JSON line when ready (its port,
// its pid) and dies with the bench: its stdin is a pipe from the bench, and it exits when that
// closes. Roles: the upstreams and the node pipe (servers.mjs), the latency client (rtt.mjs), the
// ping-pong of the inject measurement (pinger.mjs), and the throughput harness without iperf3
// (bulk.mjs).
import { bulkClient, bulkServer } from './bulk.mjs';
import { pinger } from './pinger.mjs';
import { rtt } from './rtt.mjs';
import { echo, http, pipeProxy } from './servers.mjs';

const roles = { echo, 'pipe-proxy': pipeProxy, rtt, pinger, 'bulk-server': bulkServer, 'bulk-client': bulkClient, http };

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
const ready = (info) => process.stdout.write(`${JSON.stringify(info)}\n`);
const [role, ...args] = process.argv.slice(2);
if (!roles[role]) throw new Error(`unknown role ${role}`);
await roles[role](args, ready);
