import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProbeMonitor } from '../../src/engine/probe.js';
import { compileTolerance, judge } from '../../src/experiment/tolerance.js';
import { availabilityParams, availabilityProbe } from '../../src/probes/availability.js';
import type { TestServer } from './fixtures.js';
import { activeResources, eventually, freePort, noSignal, startServer } from './fixtures.js';

let server: TestServer;
let monitor: ProbeMonitor | undefined;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await monitor?.stop();
  monitor = undefined;
  await server.close();
});

const start = (params: Record<string, unknown>): ProbeMonitor => {
  const started = availabilityProbe.monitor?.(availabilityParams.parse(params));
  if (!started) throw new Error('availability has no monitor');
  monitor = started;
  return started;
};
const fast = { interval: '20ms', window: '400ms', timeout: '300ms' };

describe('availability probe', () => {
  it('samples for one window and meets its default tolerance when everything answers', async () => {
    const output = await availabilityProbe.run(availabilityParams.parse({ url: `${server.url}/ok`, ...fast }), { signal: noSignal() });
    expect(output).toMatchObject({ successRate: 1, failureRate: 0, failures: 0, consecutiveFailures: 0, lastError: null });
    expect(output.samples).toBeGreaterThan(0);
    const { checks, problems } = compileTolerance(availabilityProbe.defaultTolerance, availabilityProbe);
    expect(problems).toEqual([]);
    expect(judge(checks, output).detail).toBe('successRate 1 ≥ 0.999');
  });

  it('sees the success rate fall while the server answers 503 and recover after', async () => {
    const reading = start({ url: `${server.url}/health`, ...fast });
    await eventually(() => expect(reading.read()).toMatchObject({ successRate: 1 }));
    server.state.status = 503;
    await eventually(() => expect(reading.read().successRate).toBeLessThan(1));
    await eventually(() => expect(reading.read()).toMatchObject({ successRate: 0, failureRate: 1, lastError: 'status 503' }));
    expect(reading.read().consecutiveFailures).toBeGreaterThan(0);
    server.state.status = 200;
    await eventually(() => expect(reading.read()).toMatchObject({ successRate: 1, consecutiveFailures: 0 }));
  });

  it('counts statuses outside okStatus as failures', async () => {
    const reading = start({ url: `${server.url}/health`, ...fast, okStatus: 204 });
    await eventually(() => expect(reading.read()).toMatchObject({ successRate: 0, lastError: 'status 200' }));
  });

  it('samples a TCP port and counts refused connections as failures', async () => {
    const reading = start({ port: server.port, ...fast });
    await eventually(() => expect(reading.read().successRate).toBe(1));
    await monitor?.stop();
    const port = await freePort();
    const refused = start({ port, ...fast });
    await eventually(() => expect(refused.read()).toMatchObject({ successRate: 0, lastError: `connect ECONNREFUSED 127.0.0.1:${port}` }));
  });

  it('keeps requests to a hanging target bounded by timeout over interval', async () => {
    const reading = start({ url: `${server.url}/hang`, interval: '10ms', window: '1s', timeout: '100ms' });
    await eventually(() => expect(reading.read().failures).toBeGreaterThan(20));
    expect(reading.read().lastError).toMatch(/timed out after 100ms/);
    expect(server.state.maxInFlight).toBeLessThanOrEqual(10);
  });

  // The server drops idle keep-alive connections only after 5 s and never answers /hang:
  // connections gone sooner were closed by the monitor.
  const closedByClient = 2000;
  const noSocketsLeft = async (): Promise<void> => {
    await eventually(async () => {
      expect(await server.connections()).toBe(0);
      expect(activeResources('TCPSocketWrap')).toBe(0);
    }, closedByClient);
  };

  it('leaves no open socket or timer once stopped, even with requests in flight', async () => {
    const timers = activeResources('Timeout');
    const reading = start({ url: `${server.url}/hang`, ...fast, timeout: '5s' });
    await eventually(() => expect(server.state.inFlight).toBeGreaterThan(1));
    await reading.stop();
    expect(activeResources('Timeout')).toBe(timers);
    await noSocketsLeft();
    expect(reading.read().samples).toBe(0);
  });

  it('reuses keep-alive connections and closes them on stop', async () => {
    const reading = start({ url: `${server.url}/ok`, ...fast });
    await eventually(() => expect(reading.read().samples).toBeGreaterThan(10));
    expect(await server.connections()).toBeLessThan(reading.read().samples as number);
    await reading.stop();
    await noSocketsLeft();
  });

  it('needs exactly one of url and port', () => {
    expect(availabilityParams.safeParse({}).error?.issues[0]?.message).toBe('give url (HTTP sampling) or port (TCP sampling)');
    expect(availabilityParams.safeParse({ url: 'http://x', port: 80 }).error?.issues[0]?.message).toMatch(/not both/);
    expect(availabilityParams.safeParse({ url: 'http://x', okStatus: [399, 200] }).success).toBe(false);
    expect(availabilityParams.parse({ port: 80 })).toMatchObject({ interval: 100, window: 2000, timeout: 1000, okStatus: [200, 399] });
  });
});
