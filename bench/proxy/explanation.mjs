// The explanation under the proxy section's heading in RESULTS.md (written with the section,
// the first time), with this run's settings.

/** @param iperf3 whether iperf3 measured the throughput; @param nginx whether nginx was there. */
export function explanation(options, iperf3, nginx) {
  const lat = options['inject-latency'];
  return `
\`node bench/proxy.mjs --write\` (${options.rounds} rounds): four paths on 127.0.0.1, measured interleaved
(round-robin, the order rotated every round; medians across rounds): **direct** to the upstream;
through the **Firedrill** proxy of a \`firedrill agent\` (\`PUT /v1/proxies/…\`, no fault); through
**nginx** \`stream { server { listen; proxy_pass; } }\` (1 worker, default 16 KiB buffer), the
reference; and through a **node pipe**, a bare Node \`net\` proxy (\`a.pipe(b); b.pipe(a)\`): the
floor of any proxy written in Node. The machine has 2 vCPUs: client, proxy and server compete
for them, so the loaded numbers are CPU-bound for every path — read the ratios.

- **latency**: ${options.rtts} sequential ${options.size}-byte round trips on one connection after ${options.warmup} warm-up ones; client,
  proxy and echo server each a process of its own; "added" is path − direct within a round.
  Twice per round: as scheduled (each hop through another process may cost a cross-vCPU wake-up,
  which on this VM is worth tens of µs and varies from run to run), and with the three
  processes on one CPU (\`taskset\`), which leaves the proxy's own work per round trip.
- **throughput**: ${iperf3 ? 'iperf3' : 'a Node harness'}, ${options['bulk-seconds']} s each way (down = \`-R\`), with the CPU time and the minor page faults of the
  proxy's process per GB moved (from /proc/PID/stat).
- **wrk**: against ${nginx ? 'nginx `return 200`' : 'a Node http server (no nginx)'} (keep-alive), \`-t1 -c1\` and \`-t2 -c32\`,
  ${options['wrk-seconds']} s each; the proxy's CPU per request.
- **rss**: VmRSS of the agent with its proxies idle, then with ${options.connections} idle connections through the
  proxy (one round trip each) to the echo server, which holds them; on the fresh agent and again
  after the rounds (lower then: the idle baseline holds garbage of the rounds that the GC frees
  meanwhile — the fresh figure is the one held to the target). The node pipe and the nginx
  worker measured the same way.
- **inject**: a connection through the proxy does ${options.size}-byte ping-pong (its own process, a round trip
  every ~${options['ping-gap-us']} µs + RTT); the bench renews the run's lease, sends \`POST /v1/runs/<id>/faults\`
  (\`proxy-latency\` ${lat} ms, downstream, proxy target) and waits for the first round trip slower than
  ${lat / 2} ms. "call → toxic active" is from sending the call to the moment that round trip's response
  reached the proxy: at most its arrival − ${lat} ms (≤, what the target is held to: it includes the
  toxic timer's lateness), at least the later of its send and the previous undelayed arrival
  (≥). Reverted through \`…/revert\` before the next one. "Stalled" is the longest round trip of
  the open connection while the agent served a call (less the ${lat} ms for one that carries it):
  with \`GET /v1/status\` as the reference, what the agent's single event loop costs the traffic
  it proxies while it works on a call (the inject writes its ledger intent with an fsync).

Targets: Toxiproxy's README ("How fast is Toxiproxy?") expects < 100 µs added latency with no
toxic and ~1000 MB/s (8 Gbit/s) with GOMAXPROCS=4; DESIGN.md asks better than Toxiproxy, aiming
at nginx; ≤ 64 MB RSS above idle for 1,000 idle connections (issue 4); inject ≤ 5 ms.

What limits a proxy in Node, next to nginx (the node pipe column is the floor: Firedrill
cannot be cheaper than it): nginx does not splice either — both copy through user space — but
nginx reads into one fixed buffer per connection, in C, with no allocation, while Node
allocates a fresh 64 KiB buffer for every read, leaves it to the GC, and crosses libuv → C++ →
JS → C++ for every chunk (a \`'data'\` callback, a \`write\` and its request object). That shows
as 2–4× nginx's proxy CPU per request and per GB, as minor page faults per GB (the kernel
zeroing fresh pages for read buffers; nginx has none), and per round trip as the longer path of
each wake-up; the p99 tail (GC, a larger process) is the node pipe's too. Beyond the copying,
the agent is one event loop for the proxies and its API: a call that writes the ledger
synchronously (inject: the intent with an fsync; revert) holds every proxied connection for
its length — compare the stall of those calls with the status call's.`;
}
