import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { ControlPlaneClient } from '../../server-client/client.js';

/** Something a responder sees go red (or back to green): an alert, or a line of a log. */
export interface Signal {
  readonly name: string;
  readonly firing: boolean;
  readonly detail: string;
}

/** Where the responders look: each poll returns what changed since the last one. */
export interface SignalSource {
  poll(): Promise<Signal[]>;
}

/** The alerts the control plane received (Alertmanager's notifications), as every responder may read them. */
export function alertSignals(api: ControlPlaneClient, since: number): SignalSource {
  const seen = new Set<string>();
  return {
    async poll() {
      const { alerts } = await api.request<{
        alerts: { id: string; status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
      }>('GET', `/api/v1/alerts?since=${since}`);
      const fresh = alerts.filter((alert) => !seen.has(alert.id));
      for (const alert of fresh) seen.add(alert.id);
      return fresh.map((alert) => ({
        name: alert.labels.alertname ?? 'alert',
        firing: alert.status === 'firing',
        detail: `${alert.labels.alertname ?? 'an alert'} ${alert.status}: ${alert.annotations.summary ?? ''}`.trim(),
      }));
    },
  };
}

/**
 * A log read as an operator tails it, from its end when the source is made: a line matching a
 * pattern fires its signal; a signal whose line stops coming back for `quietMs`, or whose
 * `resolved` pattern matches, is green again.
 */
export function logSignals(
  file: string,
  patterns: Readonly<Record<string, { readonly firing: string; readonly resolved?: string }>>,
  quietMs = 8000,
): SignalSource {
  let offset = sizeOf(file);
  let partial = '';
  const lastSeen = new Map<string, number>();
  return {
    poll() {
      const chunk = readFrom(file, offset);
      offset += Buffer.byteLength(chunk);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      const changes: Signal[] = [];
      for (const line of lines)
        for (const [name, pattern] of Object.entries(patterns)) {
          if (new RegExp(pattern.firing).test(line)) {
            if (!lastSeen.has(name)) changes.push({ name, firing: true, detail: line.trim() });
            lastSeen.set(name, Date.now());
          } else if (pattern.resolved && lastSeen.has(name) && new RegExp(pattern.resolved).test(line)) {
            lastSeen.delete(name);
            changes.push({ name, firing: false, detail: line.trim() });
          }
        }
      for (const [name, at] of lastSeen)
        if (Date.now() - at > quietMs) {
          lastSeen.delete(name);
          changes.push({ name, firing: false, detail: `no "${name}" line for ${quietMs / 1000} s` });
        }
      return Promise.resolve(changes);
    },
  };
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function readFrom(file: string, offset: number): string {
  const size = sizeOf(file);
  if (size <= offset) return '';
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(size - offset);
    const read = readSync(fd, buffer, 0, buffer.length, offset);
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
