import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startControlPlane } from '../../src/server/serve.js';
import { quiet } from './fixtures.js';

it('makes its first admin only once it listens: a start refused for a taken port leaves none, and the next start prints the password', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fd-first-start-'));
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  try {
    const port = (taken.address() as AddressInfo).port;
    await expect(startControlPlane({ stateDir: dir, listen: { host: '127.0.0.1', port }, log: quiet })).rejects.toThrow();
    const server = await startControlPlane({ stateDir: dir, listen: { host: '127.0.0.1', port: 0 }, log: quiet });
    try {
      expect(server.admin?.name).toBe('admin');
      expect(server.admin?.password).toMatch(/^\S{12,}$/);
    } finally {
      await server.close();
    }
  } finally {
    taken.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
