import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from '../../src/demo/shop/ports.js';

/** A worker, and a gateway in front of it that can fail over to "datacenter B" when told (POST /failover). */
const WORKER = `require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[2]), '127.0.0.1');`;
const GATEWAY = `
const http = require('node:http');
const [port, worker] = process.argv.slice(2).map(Number);
let failedOver = false;
http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/failover') { failedOver = true; return res.end('failed over'); }
  if (req.url === '/contained') { res.statusCode = failedOver ? 200 : 503; return res.end(String(failedOver)); }
  if (failedOver) return res.end('served by datacenter B');
  const up = http.get({ host: '127.0.0.1', port: worker, path: '/', timeout: 300 }, (r) => { r.resume(); res.end('served by the worker'); });
  up.on('timeout', () => up.destroy(new Error('timeout')));
  up.on('error', () => { res.statusCode = 502; res.end('the worker does not answer'); });
}).listen(port, '127.0.0.1');
`;

export interface Shopfront {
  readonly worker: ChildProcess;
  readonly gateway: ChildProcess;
  readonly gatewayUrl: string;
  stop(): void;
}

/** Starts the worker and its gateway (real processes on 127.0.0.1); resolves once the gateway serves through the worker. */
export async function startShopfront(dir: string): Promise<Shopfront> {
  const [workerPort, gatewayPort] = await freePorts(2);
  writeFileSync(join(dir, 'worker.cjs'), WORKER);
  writeFileSync(join(dir, 'gateway.cjs'), GATEWAY);
  const worker = spawn(process.execPath, [join(dir, 'worker.cjs'), String(workerPort)], { stdio: 'ignore' });
  const gateway = spawn(process.execPath, [join(dir, 'gateway.cjs'), String(gatewayPort), String(workerPort)], { stdio: 'ignore' });
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const text = await fetch(gatewayUrl).then(
      (r) => r.text(),
      () => '',
    );
    if (text === 'served by the worker') break;
    if (Date.now() > deadline) throw new Error('the shopfront did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    worker,
    gateway,
    gatewayUrl,
    stop() {
      worker.kill('SIGKILL');
      gateway.kill('SIGKILL');
    },
  };
}

/** The villains' scenario: the worker freezes; once contained, a second, quiet step. */
export function gameDayFile(gatewayUrl: string, extra = ''): string {
  return `name: worker-freeze
title: The worker freezes and the gateway must fail over
publicTitle: Thursday game day
villains: [vic]
teams:
  shop: [rita, sam]
observers: [olga]
targets: { slo: 99.9, detect: 1m, acknowledge: 1m, contain: 2m, recover: 3m }
scenario:
  - name: freeze
    experiment: worker-freezes
    vars: { gateway: "${gatewayUrl}" }
    cause: { service: worker, fault: process-pause }
    containment: { probe: http, params: { url: "${gatewayUrl}/contained" } }
    expectations:
      - { name: contained-in-time, within: 30s, manual: { declare: contained } }
  - name: aftershock
    experiment: quiet-step
    trigger: { after: { step: freeze, declared: contained } }
${extra}`;
}

export function freezeExperiment(workerPid: number, pause = '6s'): string {
  // The gateway comes from the game-day step's vars: its default answers nothing, so a hypothesis
  // probed without them fails (the run's and the driver's measures of user impact alike).
  return `title: The worker freezes
variables:
  gateway: { default: "http://127.0.0.1:9" }
targets:
  worker: { kind: process, selector: { pid: ${workerPid} } }
hypothesis:
  during: false
  probes:
    - { name: gateway, probe: http, params: { url: "\${gateway}/", timeout: 1s }, tolerance: 200 }
method:
  - { name: freeze, fault: process-pause, target: worker, duration: ${pause} }
`;
}
