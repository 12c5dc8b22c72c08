import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Lab, connectError, until } from './helpers.js';

const lab = new Lab();
afterEach(async () => {
  await lab.cleanup();
});

describe('the fault proxy without toxics', () => {
  it('forwards bytes both ways to the upstream', async () => {
    const port = await lab.proxy(await lab.echo());
    const client = await lab.connect(port);
    client.socket.write('hello');
    expect((await client.take(5)).toString()).toBe('hello');
    client.socket.write('again');
    expect((await client.take(5)).toString()).toBe('again');
    expect(lab.proxies.get('p')?.connections).toBe(1);
  });

  it('carries 10 MiB through an echo upstream with the same SHA-256 both ways', async () => {
    const port = await lab.proxy(await lab.echo());
    const client = await lab.connect(port);
    const sent = createHash('sha256');
    const received = createHash('sha256');
    const size = 10 * 1024 * 1024;
    let got = 0;
    const done = new Promise<void>((resolve) => {
      client.socket.on('data', (chunk: Buffer) => {
        received.update(chunk);
        got += chunk.length;
        if (got === size) resolve();
      });
    });
    for (let offset = 0; offset < size; offset += 256 * 1024) {
      const block = randomBytes(256 * 1024);
      sent.update(block);
      if (!client.socket.write(block)) await new Promise((resolve) => client.socket.once('drain', resolve));
    }
    await done;
    expect(got).toBe(size);
    expect(received.digest('hex')).toBe(sent.digest('hex'));
  });

  it('passes a half-close on: the upstream sees FIN and can still answer', async () => {
    const upstream = await lab.server(
      (socket) => {
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('end', () => {
          // The client has finished sending; the reply still travels back over the same connection.
          setTimeout(() => socket.end(`got ${Buffer.concat(chunks).toString()} then FIN`), 50);
        });
      },
      { allowHalfOpen: true },
    );
    const client = await lab.connect(await lab.proxy(upstream));
    client.socket.end('request');
    await client.ended;
    expect(client.pending().toString()).toBe('got request then FIN');
    expect(await client.closed).toBeUndefined();
  });

  it('closes the client connection when the upstream refuses it', async () => {
    const client = await lab.connect(await lab.proxy(await lab.closedPort()));
    client.socket.write('anyone there?');
    await client.gone();
    expect(client.total).toBe(0);
    client.socket.end();
    await until(() => lab.proxies.get('p')?.connections === 0);
  });

  it('passes a reset from the upstream on as a reset', async () => {
    const upstream = await lab.server((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const client = await lab.connect(await lab.proxy(upstream));
    client.socket.write('x');
    expect((await client.closed)?.code).toBe('ECONNRESET');
  });

  it('resets the upstream connection when the client resets', async () => {
    const errors: (string | undefined)[] = [];
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    const upstream = await lab.server((socket) => {
      socket.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code));
      socket.on('close', () => upstreamClosed());
      socket.write('ready');
    });
    const client = await lab.connect(await lab.proxy(upstream));
    await client.take(5);
    client.socket.resetAndDestroy();
    await closed;
    expect(errors).toContain('ECONNRESET');
  });

  it('stops listening and closes its connections when deleted', async () => {
    const port = await lab.proxy(await lab.echo());
    const client = await lab.connect(port);
    await lab.proxies.delete('p');
    await client.gone();
    expect(lab.proxies.list()).toEqual([]);
    expect(await connectError(port)).toBe('ECONNREFUSED');
  });
});
