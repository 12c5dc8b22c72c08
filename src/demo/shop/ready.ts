import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { OperationalError } from '../../errors.js';
import { logTail } from './processes.js';

export interface StartedService {
  readonly name: string;
  readonly log: string;
  readonly child: ChildProcess;
}

interface GatewayHealth {
  readonly upstreams?: Record<string, { name: string; healthy: boolean }[]>;
}

/**
 * Waits until every gateway reports every one of its upstreams healthy — the shop is then whole,
 * and a drill starts from a known state. Fails at once, with its log, when a service exits.
 */
export async function waitForGateways(urls: readonly string[], services: readonly StartedService[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const dead = services.find((service) => service.child.exitCode !== null || service.child.signalCode !== null);
    if (dead) {
      const how = dead.child.exitCode !== null ? `exit code ${dead.child.exitCode}` : `signal ${dead.child.signalCode}`;
      throw new OperationalError('FD_SHOP_START', `${dead.name} stopped during startup (${how}); ${dead.log}:\n${logTail(dead.log)}`);
    }
    const states = await Promise.all(urls.map((url) => unhealthyUpstreams(url)));
    const waiting = states.flat();
    if (waiting.length === 0) return;
    last = waiting.join(', ');
    await sleep(50);
  }
  throw new OperationalError('FD_SHOP_START', `the shop did not come up within ${timeoutMs / 1000} s: still waiting for ${last}`);
}

/** What a gateway still waits for: `gateway …: catalog-a1`, or why it did not answer. */
async function unhealthyUpstreams(url: string): Promise<string[]> {
  try {
    const health = JSON.parse(await get(`${url}/health`)) as GatewayHealth;
    return Object.values(health.upstreams ?? {})
      .flat()
      .filter((upstream) => !upstream.healthy)
      .map((upstream) => `${upstream.name} (seen from ${url})`);
  } catch {
    return [`the gateway at ${url}`];
  }
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 1000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
  });
}
