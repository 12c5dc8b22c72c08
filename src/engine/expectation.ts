import type { Declaration, ExpectationKind } from '../experiment/expectation-schema.js';

/** An alert as a receiver got it (Alertmanager's webhook, or a generic JSON alert). */
export interface ReceivedAlert {
  /** The receiver it came through: /api/v1/alerts/SOURCE. */
  readonly source: string;
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** When Firedrill received it (ms). */
  readonly receivedAt: number;
}

/** A responder's declaration in the console: "we see something", "contained"… */
export interface ReceivedDeclaration {
  readonly declare: Declaration;
  readonly at: number;
  readonly by: string;
  readonly detail?: string;
}

/**
 * Where matchers hear from the outside world. Each `subscribe` calls back, first with what was
 * received from `since` on, then with each new one as it comes, until the returned stop is called.
 */
export interface ExpectationFeeds {
  readonly alerts?: { subscribe(since: number, onAlert: (alert: ReceivedAlert) => void): () => void };
  readonly declarations?: { subscribe(since: number, onDeclaration: (declaration: ReceivedDeclaration) => void): () => void };
}

/** What a matcher saw, and when (ms). */
export interface Sighting {
  readonly at: number;
  readonly detail: string;
}

export interface MatcherContext {
  /** When the expectation's clock started: nothing before it counts. */
  readonly since: number;
  /** Aborted when the watch ends. */
  readonly signal: AbortSignal;
  readonly feeds: ExpectationFeeds;
}

/**
 * A matcher: one file per kind in src/expectations. `watch` resolves at the first sighting, or
 * with undefined once the signal is aborted first; it throws when it cannot watch at all (no
 * alert receiver behind this run, a file that cannot be read).
 */
export interface ExpectationMatcher<P = unknown> {
  readonly kind: ExpectationKind;
  watch(params: P, context: MatcherContext): Promise<Sighting | undefined>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the registry holds matchers of every parameter type
export type AnyExpectationMatcher = ExpectationMatcher<any>;

export type ExpectationStatus = 'met' | 'late' | 'missed';

/** One expectation as the journal keeps it. */
export interface ExpectationRecord {
  readonly name: string;
  readonly kind: ExpectationKind;
  readonly within: number;
  readonly never: boolean;
  readonly status: ExpectationStatus;
  /** When its clock started (ISO), absent when it never did. */
  readonly startedAt?: string;
  /** From the clock's start to the sighting (met or late; for `never`, the sighting that missed it). */
  readonly tookMs?: number;
  readonly detail: string;
}
