import { z } from 'zod';
import type { ProbeType } from '../engine/probe.js';
import { duration, port } from './params.js';
import { tcpConnect } from './tcp-connect.js';

export const tcpParams = z.strictObject({
  host: z.string().min(1).default('127.0.0.1').describe('Host name or IP address (default 127.0.0.1).'),
  port: port('TCP port to connect to.'),
  timeout: duration('2s', 'Time allowed to connect'),
});
export type TcpParams = z.output<typeof tcpParams>;

export const tcpProbe: ProbeType<TcpParams> = {
  name: 'tcp',
  summary: 'Opens a TCP connection and reports whether it connected and how fast; a refusal is an observation.',
  params: tcpParams,
  fields: ['connected', 'latencyMs', 'error'],
  defaultField: 'connected',
  defaultTolerance: true,

  async run(params, ctx) {
    return { ...(await tcpConnect(params.host, params.port, params.timeout, ctx.signal)) };
  },
};
