/**
 * Sends a campaign's lures through a real SMTP server, at most once each.
 *
 *   outbox.next() ─▶ pace (N per minute) ─▶ SmtpLink.attempt ─▶ sent ─────▶ outbox.markSent
 *   (intent recorded)                          │                 permanent ─▶ outbox.markFailed
 *                                              │                 uncertain ─▶ outbox.markUncertain
 *                                              │                 halted ────▶ outbox.release
 *                                              └─ temporary: back off, same message again
 *
 * Invariants:
 * - **Never twice.** `next()` records the intent (the message is "sending") before it returns;
 *   the sender sends a message again only when it knows the first try did not end it (a 4xx
 *   reply, or the connection lost before the message's last byte: see smtp-link.ts). When the
 *   whole message left and no reply came, or the process died between send and `markSent`, the
 *   message is *uncertain*: at-most-once is the choice, it is never resent. A second copy of the
 *   same lure tells a recipient it is a drill and counts twice; a missing one costs one data
 *   point, and the outbox can list the uncertain ones for a person to decide.
 * - **Pauses while refused.** A temporary failure (4xx, connection refused or lost) sleeps with
 *   exponential backoff and tries the same message again; a server that is down does not use up
 *   the message's attempts, only 4xx replies do. A 5xx reply fails the message at once.
 * - **Halt beats everything.** After `halt()` resolves nothing more leaves: the sleep is cut, a
 *   body still streaming is stopped before its end (the server discards it) and the message goes
 *   back to the outbox; a message whose last byte already left gets its reply recorded.
 */
import { OperationalError } from '../../errors.js';
import { composeLure, envelopeAddress, type DrillStamp, type OutgoingLure } from './lure.js';
import { SmtpLink, type SmtpSettings } from './smtp-link.js';

export type { SmtpSettings } from './smtp-link.js';

export interface OutboxEntry {
  /** The outbox's own id of this message (may be the recipient id). */
  readonly id: string;
  readonly lure: OutgoingLure;
}

/**
 * Where the messages wait, held by the store. Every method resolves only once its change is
 * durable. A message handed out by `next()` is never handed out again unless `release`d; one left
 * "sending" after a crash must be reported as uncertain, not queued again.
 */
export interface Outbox {
  /** Claims the next message to send and records the intent; undefined when none is left. */
  next(): Promise<OutboxEntry | undefined>;
  markSent(id: string, messageId: string): Promise<void>;
  /** Refused for good (5xx, or too many 4xx): not sent. */
  markFailed(id: string, reason: string): Promise<void>;
  /** The whole message left, no reply came: may or may not have been delivered; not resent. */
  markUncertain(id: string, reason: string): Promise<void>;
  /** Not sent (halted before it left): back to waiting, `next()` may hand it out again. */
  release(id: string): Promise<void>;
}

/** Time as the sender sees it; tests inject one that advances only when slept. */
export interface SenderClock {
  now(): number;
  /** Resolves after `ms`, or at once (without throwing) when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: SenderClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

export type SenderEvent =
  | { readonly type: 'sent'; readonly id: string; readonly messageId: string; readonly at: number }
  | { readonly type: 'failed' | 'uncertain'; readonly id: string; readonly reason: string; readonly at: number }
  | { readonly type: 'paused'; readonly id: string; readonly reason: string; readonly retryInMs: number; readonly at: number }
  | { readonly type: 'resumed'; readonly at: number }
  | { readonly type: 'attempt'; readonly id: string; readonly at: number };

export interface SmtpSenderOptions {
  readonly smtp: SmtpSettings;
  readonly stamp: DrillStamp;
  readonly outbox: Outbox;
  /** At most this many attempts start in any minute, evenly spaced; no limit when absent. */
  readonly perMinute?: number;
  /** First backoff delay (1 s), its ceiling (5 min), and how many 4xx replies fail a message (8). */
  readonly backoff?: { readonly firstMs?: number; readonly maxMs?: number; readonly maxAnswered?: number };
  readonly clock?: SenderClock;
  /** Observers cannot break sending: one that throws is ignored. */
  readonly onEvent?: (event: SenderEvent) => void;
}

export interface SendSummary {
  readonly sent: number;
  readonly failed: number;
  readonly uncertain: number;
  /** True when halt() ended the run before the outbox was empty. */
  readonly halted: boolean;
}

export interface SmtpSender {
  /** Sends until the outbox is empty or halt(); rejects only when the server can never work as configured. */
  run(): Promise<SendSummary>;
  /** Stops at once; when it resolves, nothing more leaves. */
  halt(): Promise<void>;
}

/**
 * @example
 * const sender = createSmtpSender({ smtp: { host, port: 587, security: 'starttls', auth }, stamp, outbox, perMinute: 60 });
 * const summary = await sender.run(); // or, from elsewhere: await sender.halt();
 */
export function createSmtpSender(options: SmtpSenderOptions): SmtpSender {
  const clock = options.clock ?? systemClock;
  const firstMs = options.backoff?.firstMs ?? 1000;
  const maxMs = options.backoff?.maxMs ?? 300_000;
  const maxAnswered = options.backoff?.maxAnswered ?? 8;
  const spacing = options.perMinute !== undefined ? 60_000 / options.perMinute : 0;
  if (options.perMinute !== undefined && !(options.perMinute > 0)) throw new RangeError('perMinute must be positive');
  const link = new SmtpLink(options.smtp);
  const halting = new AbortController();
  const counts = { sent: 0, failed: 0, uncertain: 0 };
  let lastAttemptAt: number | undefined;
  let paused = false;
  let running: Promise<SendSummary> | undefined;

  const emit = (event: SenderEvent): void => {
    try {
      options.onEvent?.(event);
    } catch {
      // An observer's failure is its own.
    }
  };

  const pace = async (): Promise<void> => {
    if (lastAttemptAt === undefined || spacing === 0) return;
    const wait = lastAttemptAt + spacing - clock.now();
    if (wait > 0) await clock.sleep(wait, halting.signal);
  };

  /** Delivers one claimed message to an end state; false when halted before it left. */
  const deliver = async (entry: OutboxEntry): Promise<boolean> => {
    const { lure } = entry;
    const composed = await composeLure(lure, options.stamp).catch(async (error: unknown) => {
      await options.outbox.markFailed(entry.id, `not composed: ${(error as Error).message}`);
      counts.failed++;
      return undefined;
    });
    if (!composed) return true;
    const from = envelopeAddress(lure.from);
    const to = envelopeAddress(lure.to);
    let delay = firstMs;
    let answered = 0;
    for (;;) {
      await pace();
      if (halting.signal.aborted) {
        await options.outbox.release(entry.id);
        return false;
      }
      lastAttemptAt = clock.now();
      emit({ type: 'attempt', id: entry.id, at: lastAttemptAt });
      const attempt = await link.attempt(from, to, composed.raw);
      switch (attempt.kind) {
        case 'sent':
          await options.outbox.markSent(entry.id, composed.messageId);
          counts.sent++;
          if (paused) emit({ type: 'resumed', at: clock.now() });
          paused = false;
          emit({ type: 'sent', id: entry.id, messageId: composed.messageId, at: clock.now() });
          return true;
        case 'permanent':
          await options.outbox.markFailed(entry.id, attempt.reason);
          counts.failed++;
          emit({ type: 'failed', id: entry.id, reason: attempt.reason, at: clock.now() });
          return true;
        case 'uncertain':
          await options.outbox.markUncertain(entry.id, attempt.reason);
          counts.uncertain++;
          emit({ type: 'uncertain', id: entry.id, reason: attempt.reason, at: clock.now() });
          return true;
        case 'halted':
          await options.outbox.release(entry.id);
          return false;
        case 'fatal':
          await options.outbox.release(entry.id);
          throw new OperationalError(
            'FD_SMTP_REFUSED',
            `the SMTP server ${options.smtp.host}:${options.smtp.port} refuses this sender: ${attempt.reason}`,
          );
        case 'temporary': {
          if (attempt.answered && ++answered >= maxAnswered) {
            const reason = `refused ${answered} times, last: ${attempt.reason}`;
            await options.outbox.markFailed(entry.id, reason);
            counts.failed++;
            emit({ type: 'failed', id: entry.id, reason, at: clock.now() });
            return true;
          }
          // A connection kept from an earlier message may have been closed by the server while
          // idle: one immediate try on a fresh one before calling the server unavailable.
          if (!attempt.answered && link.reused) continue;
          paused = true;
          emit({ type: 'paused', id: entry.id, reason: attempt.reason, retryInMs: delay, at: clock.now() });
          await clock.sleep(delay, halting.signal);
          delay = Math.min(delay * 2, maxMs);
        }
      }
    }
  };

  const loop = async (): Promise<SendSummary> => {
    try {
      while (!halting.signal.aborted) {
        const entry = await options.outbox.next();
        if (!entry) break;
        if (!(await deliver(entry))) break;
      }
    } finally {
      link.quit();
    }
    return { ...counts, halted: halting.signal.aborted };
  };

  return {
    run() {
      running ??= loop();
      return running;
    },
    async halt() {
      halting.abort();
      link.halt();
      // Whatever the loop is awaiting settles quickly now: the sleep is cut, the body stopped.
      await running?.catch(() => undefined);
      link.close();
    },
  };
}
