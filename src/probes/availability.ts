import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { ProbeType } from '../engine/probe.js';
import { WINDOW_STATS_FIELDS } from '../engine/sample-window.js';
import { FiredrillError, errorMessage } from '../errors.js';
import { SamplingMonitor, TOTAL_STATS_FIELDS, httpSampler, maxInFlight, tcpSampler } from './availability-monitor.js';
import type { Sampler } from './availability-monitor.js';
import { duration, port } from './params.js';

const status = z.int().min(100).max(599);

export const availabilityParams = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
      .optional()
      .describe('HTTP(S) URL to sample with GET (give url, or port).'),
    host: z.string().min(1).optional().describe('Host for TCP sampling (default 127.0.0.1; needs port).'),
    port: port('TCP port to sample by connecting (give url, or port).').optional(),
    interval: duration('100ms', 'Time between samples'),
    window: duration('2s', 'Sliding window the rates and percentiles are computed over'),
    timeout: duration('1s', 'Time allowed per sample; a slower sample is a failure'),
    okStatus: z
      .union([status, z.tuple([status, status])])
      .default([200, 399])
      .refine((value) => typeof value === 'number' || value[0] <= value[1], { message: 'okStatus needs [low, high] with low <= high' })
      .describe('HTTP statuses counted as success: one status, or an inclusive [low, high] range (default [200, 399]).'),
    verifyTls: z.boolean().default(true).describe('Verify the server certificate for https:// (default true).'),
  })
  .superRefine((params, ctx) => {
    if (params.url !== undefined && params.port !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['port'], message: 'give either url (HTTP sampling) or port (TCP sampling), not both' });
    } else if (params.url === undefined && params.port === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'give url (HTTP sampling) or port (TCP sampling)' });
    }
    if (params.url !== undefined && params.host !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['host'], message: 'host is for TCP sampling; put the host in url' });
    }
  });
export type AvailabilityParams = z.output<typeof availabilityParams>;

function createSampler(params: AvailabilityParams): Sampler {
  if (params.url !== undefined) {
    const ok = params.okStatus;
    return httpSampler({
      url: params.url,
      timeoutMs: params.timeout,
      verifyTls: params.verifyTls,
      okStatus: typeof ok === 'number' ? [ok, ok] : ok,
      maxSockets: maxInFlight(timing(params)),
    });
  }
  return tcpSampler(params.host ?? '127.0.0.1', params.port as number, params.timeout);
}

function timing(params: AvailabilityParams) {
  return { intervalMs: params.interval, windowMs: params.window, timeoutMs: params.timeout };
}

/**
 * Availability as users quote it (99.9 %): the share of successful samples over a sliding
 * window. The engine keeps `monitor()` running through the method and reads it at every
 * hypothesis check and guardrail tick; `run()` measures one window and returns it.
 */
export const availabilityProbe: ProbeType<AvailabilityParams> = {
  name: 'availability',
  summary: 'Samples an HTTP URL or a TCP port continuously and reports the success rate and latency percentiles over a sliding window.',
  params: availabilityParams,
  fields: [...WINDOW_STATS_FIELDS, ...TOTAL_STATS_FIELDS],
  defaultField: 'successRate',
  defaultTolerance: { gte: 0.999 },

  async run(params, ctx) {
    const monitor = new SamplingMonitor(createSampler(params), timing(params));
    try {
      await sleep(params.window, undefined, { signal: ctx.signal });
      return monitor.read();
    } catch (error) {
      if (!ctx.signal.aborted) throw error;
      throw new FiredrillError('FD_PROBE_AVAILABILITY', `availability sampling aborted: ${errorMessage(ctx.signal.reason)}`, {
        cause: error,
      });
    } finally {
      await monitor.stop();
    }
  },

  monitor(params) {
    return new SamplingMonitor(createSampler(params), timing(params));
  },
};
