import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isLoopback, resolveListen } from '../../src/agent-daemon/listen.js';
import { jsonLogger } from '../../src/util/log.js';
import { parseListen } from '../../src/cli/agent.js';
import { FiredrillError } from '../../src/errors.js';

describe('firedrill agent options', () => {
  it('reads --listen as host:port, [v6]:port, a host alone or a port alone', () => {
    expect(parseListen('127.0.0.1:7421')).toEqual({ host: '127.0.0.1', port: 7421 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen('localhost')).toEqual({ host: 'localhost', port: 7420 });
    expect(parseListen(':9000')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(() => parseListen('::1:80')).toThrow(/expected host:port/);
    expect(() => parseListen('127.0.0.1:70000')).toThrow(/not a TCP port/);
  });

  it('counts only loopback addresses as safe for plain HTTP', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])
      expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.1', 'example.com', '127.example.com'])
      expect(isLoopback(host), host).toBe(false);
    expect(() => resolveListen({ host: '10.0.0.1', port: 0 })).toThrow(/without TLS/);
    expect(resolveListen({ host: '10.0.0.1', port: 0, insecure: true }).warning).toMatch(/in clear/);
    expect(() => resolveListen({ host: '10.0.0.1', port: 0, tlsCert: '/nope.pem' })).toThrow(/both a certificate and a key/);
    expect(() => resolveListen({ host: '10.0.0.1', port: 0, tlsCert: '/nope.pem', tlsKey: '/nope.key' })).toThrow(/--tls-cert \/nope.pem/);
  });
});

describe('agent log', () => {
  it('writes one JSON object a line, time, level and msg first, fields after, errors with their message', () => {
    const out = new PassThrough();
    const log = jsonLogger(out, 'info');
    log.debug('not shown');
    log.warn('lease expired', { runId: 'r1', msg: 'cannot overwrite', error: new FiredrillError('FD_X', 'boom') });
    const lines = String(out.read()).trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(Object.keys(line).slice(0, 3)).toEqual(['time', 'level', 'msg']);
    expect(line).toMatchObject({
      level: 'warn',
      msg: 'lease expired',
      runId: 'r1',
      error: { name: 'FiredrillError', message: 'boom', code: 'FD_X' },
    });
  });
});
