import { z } from 'zod';
import type { StoredAlert } from '../store/alerts.js';

const strings = z.record(z.string(), z.string());

/** Prometheus Alertmanager's webhook payload, version 4 (its other fields are not needed). */
const alertmanagerSchema = z.looseObject({
  version: z.literal('4'),
  alerts: z
    .array(
      z.looseObject({
        status: z.enum(['firing', 'resolved']),
        labels: strings,
        annotations: strings.default({}),
      }),
    )
    .max(1000),
});

/** A generic alert: `{ name, status?, labels?, annotations? }`, or a list of them, or `{ alerts: [...] }`. */
const genericAlertSchema = z.strictObject({
  name: z.string().min(1).max(500).optional().describe('the alert name; the same as labels.alertname'),
  status: z.enum(['firing', 'resolved']).default('firing'),
  labels: strings.default({}),
  annotations: strings.default({}),
});
const genericSchema = z.union([
  genericAlertSchema,
  z.array(genericAlertSchema).max(1000),
  z.strictObject({ alerts: z.array(genericAlertSchema).max(1000) }),
]);

/** What the receiver accepts, for the API's documentation. */
export const alertBodySchema = z.union([alertmanagerSchema, genericSchema]);

/**
 * The alerts of a receiver's body, or the problem with it. Alertmanager is recognised by its
 * `version: "4"`; anything else must be the generic form. `name` becomes `labels.alertname`.
 */
export function parseAlerts(source: string, body: unknown, receivedAt: number): Omit<StoredAlert, 'id'>[] | { problem: string } {
  const isAlertmanager = typeof body === 'object' && body !== null && 'version' in body;
  const problem = (error: z.ZodError) => error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
  if (isAlertmanager) {
    const parsed = alertmanagerSchema.safeParse(body);
    if (!parsed.success) return { problem: `not an Alertmanager webhook payload (version 4): ${problem(parsed.error)}` };
    return parsed.data.alerts.map((a) => ({ source, status: a.status, labels: a.labels, annotations: a.annotations, receivedAt }));
  }
  const parsed = genericSchema.safeParse(body);
  if (!parsed.success) return { problem: `not an alert: send { name, status, labels, annotations } (or a list): ${problem(parsed.error)}` };
  const alerts = Array.isArray(parsed.data) ? parsed.data : 'alerts' in parsed.data ? parsed.data.alerts : [parsed.data];
  return alerts.map((a) => ({
    source,
    status: a.status,
    labels: a.name === undefined ? a.labels : { ...a.labels, alertname: a.name },
    annotations: a.annotations,
    receivedAt,
  }));
}
