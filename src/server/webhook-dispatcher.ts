import { createHmac } from 'node:crypto';
import { errorMessage } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Delivery, WebhookKind } from '../store/webhooks.js';
import type { Logger } from '../util/log.js';
import type { ServerMetrics } from './metrics.js';

/** Attempts per delivery before it is marked failed; waits double from 1 s (1, 2, 4, 8, 16 s). */
const MAX_ATTEMPTS = 6;
const FIRST_RETRY_MS = 1000;
const TIMEOUT_MS = 5000;
const TICK_MS = 250;
/** Deliveries of one subscription sent one after the other in a tick. */
const PER_SUBSCRIPTION = 10;

/**
 * Sends queued webhook deliveries from the store, on every replica (each claims what it sends),
 * off the runs' path: a slow or dead receiver delays only its own deliveries. One subscription's
 * deliveries are sent one after the other, in the order they were queued, so a receiver that
 * answers sees them in order; a retry comes later, and every body carries `seq` to order by. A generic webhook
 * is JSON signed with HMAC-SHA256 over `timestamp.body` (`X-Firedrill-Signature: sha256=…`,
 * `X-Firedrill-Timestamp`: a receiver refuses old timestamps against replay); a Slack one is
 * `{text, blocks}`.
 */
export class WebhookDispatcher {
  readonly #timer: NodeJS.Timeout;
  #busy: Promise<void> | undefined;
  #stopped = false;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly metrics?: ServerMetrics,
  ) {
    this.#timer = setInterval(() => {
      this.#busy ??= this.#tick().finally(() => (this.#busy = undefined));
    }, TICK_MS);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#busy;
  }

  async #tick(): Promise<void> {
    try {
      const now = Date.now();
      const until = now + TIMEOUT_MS * (PER_SUBSCRIPTION + 1);
      const batches = await this.store.webhooks.claimDue(now, until, 20, PER_SUBSCRIPTION);
      await Promise.all(batches.map((batch) => this.#sendInOrder(batch)));
    } catch (error) {
      if (!this.#stopped) this.log.warn('webhook dispatch failed (store unreachable?)', { error: errorMessage(error) });
    }
  }

  async #sendInOrder(batch: readonly Delivery[]): Promise<void> {
    for (const [index, delivery] of batch.entries()) {
      if (this.#stopped) return this.store.webhooks.release(batch.slice(index).map((d) => d.id));
      await this.#send(delivery);
    }
  }

  async #send(delivery: Delivery): Promise<void> {
    const target = await this.store.webhooks.secretOf(delivery.webhookId);
    if (!target)
      return this.store.webhooks.recordAttempt(delivery.id, {
        ok: false,
        status: null,
        error: 'the webhook was deleted',
        nextAttemptAt: null,
      });
    const { body, headers } = render(target.kind, target.secret, delivery.payload);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
        redirect: 'manual',
      });
      status = response.status;
      await response.body?.cancel();
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (caught) {
      error = errorMessage(caught);
    }
    if (error === null) return this.store.webhooks.recordAttempt(delivery.id, { ok: true, status, error: null, nextAttemptAt: null });
    this.metrics?.webhookFailed();
    const attempts = delivery.attempts + 1;
    const nextAttemptAt = attempts >= MAX_ATTEMPTS ? null : Date.now() + FIRST_RETRY_MS * 2 ** (attempts - 1);
    if (nextAttemptAt === null) this.log.warn('webhook delivery gave up', { webhookId: delivery.webhookId, event: delivery.event, error });
    await this.store.webhooks.recordAttempt(delivery.id, { ok: false, status, error, nextAttemptAt });
  }
}

/** The request body and headers of one delivery, for its kind. */
export function render(kind: WebhookKind, secret: string | null, payload: string): { body: string; headers: Record<string, string> } {
  if (kind === 'slack') {
    const text = slackText(JSON.parse(payload) as { event: string; data: Record<string, unknown> });
    return {
      body: JSON.stringify({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] }),
      headers: { 'content-type': 'application/json' },
    };
  }
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-firedrill-timestamp': timestamp };
  const event = (JSON.parse(payload) as { event: string }).event;
  headers['x-firedrill-event'] = event;
  if (secret) headers['x-firedrill-signature'] = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex')}`;
  return { body: payload, headers };
}

function slackText({ event, data }: { event: string; data: Record<string, unknown> }): string {
  const text = (key: string, fallback = ''): string => (typeof data[key] === 'string' ? data[key] : fallback);
  const title = text('title', 'a run');
  const id = typeof data.runId === 'string' ? ` (${data.runId})` : '';
  switch (event) {
    case 'run.started':
      return `:rocket: Firedrill run started: *${title}*${id} by ${text('startedBy', 'someone')}`;
    case 'run.ended':
    case 'run.revealed':
      return `${data.verdict === 'passed' ? ':white_check_mark:' : ':warning:'} Firedrill run *${title}*${id}: ${text('verdict')} — ${text('reason')}`;
    case 'guardrail.tripped':
      return `:octagonal_sign: Guardrail *${text('guardrail')}* tripped in *${title}*${id}: every fault reverted`;
    case 'halt':
      return `:rotating_light: Firedrill HALTED by ${text('by')}: ${text('reason')}`;
    default:
      return `Firedrill: ${event}`;
  }
}
