// The recipients' side in tests: a real SMTP server (smtp-server) on 127.0.0.1 whose accepted
// messages are parsed with mailparser, with hooks to refuse, drop or stall at a given step.
import type { Socket } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { Outbox, OutboxEntry, SenderClock } from '../../../src/phishing/transport/smtp-sender.js';
import { newRecipientId, type OutgoingLure } from '../../../src/phishing/transport/lure.js';

export interface Delivered {
  readonly rcpt: string[];
  readonly mail: ParsedMail;
}

/** What the server does at MAIL FROM or after reading a message: answer, refuse, drop the connection. */
export type Verdict = 'ok' | 'drop' | { readonly code: number; readonly message: string };

export interface MailboxHooks {
  /** `n` counts MAIL FROM commands since the start, from 1. */
  mailFrom?(n: number): Verdict | Promise<Verdict>;
  /** `n` counts DATA bodies read since the start, from 1; `rcpt` is the envelope recipient. */
  data?(n: number, rcpt: string): Verdict;
  /** Requires AUTH PLAIN/LOGIN with these credentials (over plain text: tests only). */
  auth?: { user: string; pass: string };
}

export class TestMailbox {
  readonly delivered: Delivered[] = [];
  mailFroms = 0;
  bodies = 0;
  port = 0;
  private server: SMTPServer | undefined;

  constructor(private readonly hooks: MailboxHooks = {}) {}

  async start(port = 0): Promise<void> {
    const server = new SMTPServer({
      authOptional: !this.hooks.auth,
      disabledCommands: this.hooks.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      allowInsecureAuth: true,
      logger: false,
      onAuth: (auth, _session, callback) => {
        const expected = this.hooks.auth;
        if (expected && auth.username === expected.user && auth.password === expected.pass) return callback(null, { user: auth.username });
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onMailFrom: (_address, session: SMTPServerSession, callback) => {
        const n = ++this.mailFroms;
        void Promise.resolve(this.hooks.mailFrom?.(n) ?? 'ok').then((verdict) => answer(verdict, callback, session));
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const n = ++this.bodies;
          const rcpt = session.envelope.rcptTo.map((r) => r.address);
          const verdict = this.hooks.data?.(n, rcpt[0] ?? '') ?? 'ok';
          if (verdict !== 'ok') return answer(verdict, callback, session);
          simpleParser(Buffer.concat(chunks)).then(
            (mail) => {
              this.delivered.push({ rcpt, mail });
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
    const answer = (verdict: Verdict, callback: (error?: Error | null) => void, session: SMTPServerSession): void => {
      if (verdict === 'ok') return callback();
      if (verdict === 'drop') return this.dropAll(session);
      callback(Object.assign(new Error(verdict.message), { responseCode: verdict.code }));
    };
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.server.address() as { port: number }).port;
  }

  /** Cuts every connection and stops listening, as a crashed server would. */
  kill(): void {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const connection of server.connections as Set<{ _socket: Socket }>) connection._socket.destroy();
    // The listening socket closes at once; smtp-server's own close() would wait for its sessions.
    server.server.close();
  }

  private dropAll(_session: SMTPServerSession): void {
    const server = this.server;
    if (!server) return;
    for (const connection of server.connections as Set<{ _socket: Socket }>) connection._socket.destroy();
  }

  /** Messages delivered to `address`. */
  to(address: string): Delivered[] {
    return this.delivered.filter((d) => d.rcpt.includes(address));
  }
}

export type OutboxState = 'pending' | 'sending' | 'sent' | 'failed' | 'uncertain';

/** The outbox as the store would hold it, in memory. */
export class MemoryOutbox implements Outbox {
  readonly state = new Map<string, { state: OutboxState; messageId?: string; reason?: string }>();
  private readonly queue: OutboxEntry[];
  private readonly entries = new Map<string, OutboxEntry>();
  claims = 0;

  constructor(entries: readonly OutboxEntry[]) {
    this.queue = [...entries];
    for (const entry of entries) {
      this.state.set(entry.id, { state: 'pending' });
      this.entries.set(entry.id, entry);
    }
  }

  next(): Promise<OutboxEntry | undefined> {
    const entry = this.queue.shift();
    if (entry) {
      this.claims++;
      this.state.set(entry.id, { state: 'sending' });
    }
    return Promise.resolve(entry);
  }
  markSent(id: string, messageId: string): Promise<void> {
    return this.set(id, { state: 'sent', messageId });
  }
  markFailed(id: string, reason: string): Promise<void> {
    return this.set(id, { state: 'failed', reason });
  }
  markUncertain(id: string, reason: string): Promise<void> {
    return this.set(id, { state: 'uncertain', reason });
  }
  release(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (entry) this.queue.unshift(entry);
    return this.set(id, { state: 'pending' });
  }

  count(state: OutboxState): number {
    return [...this.state.values()].filter((s) => s.state === state).length;
  }

  static of(lures: readonly OutgoingLure[]): MemoryOutbox {
    return new MemoryOutbox(lures.map((lure) => ({ id: lure.recipientId, lure })));
  }

  private set(id: string, value: { state: OutboxState; messageId?: string; reason?: string }): Promise<void> {
    const before = this.state.get(id)?.state;
    if (before !== 'sending') throw new Error(`${id} marked ${value.state} while ${before}`);
    this.state.set(id, value);
    return Promise.resolve();
  }
}

export const LINK_BASE = 'https://drill.example.test/t/';

export function lures(count: number): OutgoingLure[] {
  return Array.from({ length: count }, (_, i) => {
    const recipientId = newRecipientId();
    const link = `${LINK_BASE}${recipientId}`;
    return {
      recipientId,
      to: `person${i}@corp.example.test`,
      from: '"Parcel service" <noreply@parcels.example.test>',
      subject: `Your parcel #${1000 + i} is waiting`,
      html: `<p>Hello person ${i},</p><p><a href="${link}">Choose a delivery slot</a></p>`,
      text: `Hello person ${i},\nChoose a delivery slot: ${link}\n`,
    };
  });
}

/** A clock that advances only when slept; `sleeps` lists every requested sleep. */
export class FakeClock implements SenderClock {
  time = 0;
  readonly sleeps: number[] = [];
  onSleep: ((ms: number, index: number) => void | Promise<void>) | undefined;

  now(): number {
    return this.time;
  }

  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    this.sleeps.push(ms);
    this.time += ms;
    await this.onSleep?.(ms, this.sleeps.length);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
