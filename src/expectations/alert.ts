import type { ExpectationMatcher, ReceivedAlert } from '../engine/expectation.js';
import type { AlertMatcher } from '../experiment/expectation-schema.js';
import { firstMatch } from './first-match.js';

type ValueMatcher = AlertMatcher['labels'][string];

/**
 * An alert received by the control plane (Alertmanager's webhook, or a generic JSON alert at
 * /api/v1/alerts/SOURCE) whose labels and annotations match; the time is when Firedrill got it.
 */
export const alertMatcher: ExpectationMatcher<AlertMatcher> = {
  kind: 'alert',
  async watch(params, { since, signal, feeds }) {
    const alerts = feeds.alerts;
    if (!alerts)
      throw new Error(
        'no alert receiver behind this run: run it through a control plane (firedrill run --server), which receives alerts at /api/v1/alerts/SOURCE',
      );
    return firstMatch<ReceivedAlert>(
      (onAlert) => alerts.subscribe(since, onAlert),
      (alert) => (alertMatches(params, alert) ? { at: alert.receivedAt, detail: describeAlert(alert) } : undefined),
      signal,
    );
  },
};

export function alertMatches(params: AlertMatcher, alert: ReceivedAlert): boolean {
  if (params.source !== undefined && params.source !== alert.source) return false;
  if (params.status !== alert.status) return false;
  const all = (wanted: Readonly<Record<string, ValueMatcher>>, got: Readonly<Record<string, string>>) =>
    Object.entries(wanted).every(([key, matcher]) => {
      const value = got[key];
      if (value === undefined) return false;
      return typeof matcher === 'string' ? value === matcher : new RegExp(matcher.regex).test(value);
    });
  return all(params.labels, alert.labels) && all(params.annotations, alert.annotations);
}

function describeAlert(alert: ReceivedAlert): string {
  const name = alert.labels.alertname ?? 'an alert';
  const labels = Object.entries(alert.labels)
    .filter(([key]) => key !== 'alertname')
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  return `${name} ${alert.status} via ${alert.source}${labels ? ` {${labels}}` : ''}`;
}
