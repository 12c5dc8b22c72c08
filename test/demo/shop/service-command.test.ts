import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePorts } from '../../../src/demo/shop/ports.js';
import { bounded, request, ServiceLab } from './helpers.js';

const lab = new ServiceLab();
const owners: ChildProcess[] = [];

afterEach(async () => {
  await Promise.all(
    owners.splice(0).map(async (owner) => {
      if (owner.exitCode !== null || owner.signalCode !== null) return;
      const exited = once(owner, 'exit');
      owner.kill('SIGKILL');
      await exited;
    }),
  );
  await lab.stopAll();
});

/** A process standing in for the demo, to be the services' owner. */
async function startOwner(): Promise<ChildProcess> {
  const owner = spawn('sleep', ['120'], { stdio: 'ignore' });
  owners.push(owner);
  await once(owner, 'spawn');
  return owner;
}

/** True once nothing accepts connections on the port any more. */
async function refused(port: number): Promise<boolean> {
  return request(`http://127.0.0.1:${port}/health`, { timeoutMs: 2_000 }).then(
    () => false,
    (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED',
  );
}

describe('firedrill demo-service', () => {
  it('exits with code 0 once its --owner process is gone', async () => {
    const owner = await startOwner();
    const [port] = (await freePorts(1)) as [number];
    const catalog = await lab.start('catalog', 'catalog-a1', port, ['--dc', 'a', '--owner', String(owner.pid)]);
    expect((await request(`http://127.0.0.1:${port}/health`)).body).toEqual({ ok: true, service: 'catalog-a1', dc: 'a' });

    owner.kill('SIGKILL');
    await once(owner, 'exit'); // reaped: the pid is gone, not a zombie
    const ended = await bounded(catalog.exited(), 15_000, 'the catalog to exit after its owner');
    expect(ended).toEqual({ code: 0, signal: null });
    expect(catalog.output()).toContain(`stopping (the demo (pid ${owner.pid}) is gone)`);
    expect(await refused(port)).toBe(true);
  });

  it('keeps running while its owner lives, and stops on SIGTERM with code 0', async () => {
    const owner = await startOwner();
    const [port] = (await freePorts(1)) as [number];
    const gateway = await lab.start('gateway', 'gateway', port, ['--owner', String(owner.pid)]);
    // The owner check runs every second: outlive a few of them.
    const until = Date.now() + 2_500;
    while (Date.now() < until) expect((await request(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect(gateway.child.exitCode).toBeNull();

    gateway.child.kill('SIGTERM');
    expect(await bounded(gateway.exited(), 10_000, 'the gateway to stop')).toEqual({ code: 0, signal: null });
    expect(gateway.output()).toContain('stopping (SIGTERM)');
    expect(await refused(port)).toBe(true);
  });

  it.each([
    {
      what: 'an unknown role',
      role: 'billing',
      args: [],
      message: 'unknown demo service role "billing" (expected catalog, orders, gateway)',
    },
    {
      what: 'an upstream without a name',
      role: 'gateway',
      args: ['--catalog', '127.0.0.1:4000'],
      message: 'expected name=host:port, got "127.0.0.1:4000"',
    },
    {
      what: 'an upstream without a port',
      role: 'gateway',
      args: ['--catalog', 'c1=127.0.0.1'],
      message: 'expected host:port, got "127.0.0.1"',
    },
  ])('refuses $what with exit code 2', async ({ role, args, message }) => {
    const [port] = (await freePorts(1)) as [number];
    const result = await lab.run(role, ['--name', 'x', '--port', String(port), ...args]);
    expect(result.code).toBe(2);
    expect(result.output).toContain(message);
  });

  it('fails at startup, without hanging, when its port is taken', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    try {
      const port = (holder.address() as AddressInfo).port;
      const result = await lab.run('catalog', ['--name', 'catalog-a1', '--port', String(port)]);
      expect(result.code).not.toBe(0);
      expect(result.output).toContain('EADDRINUSE');
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
