import { afterEach, describe, expect, it } from 'vitest';
import { DRILL_HEADER, RECIPIENT_HEADER } from '../../../src/phishing/transport/lure.js';
import { createSmtpSender, type SenderEvent, type SmtpSenderOptions } from '../../../src/phishing/transport/smtp-sender.js';
import { FakeClock, LINK_BASE, lures, MemoryOutbox, TestMailbox, type MailboxHooks } from './mailbox.js';

const stamp = { campaignId: 'camp-7', contact: 'security@corp.example.test' };
const mailboxes: TestMailbox[] = [];
afterEach(() => {
  for (const box of mailboxes.splice(0)) box.kill();
});

async function mailbox(hooks: MailboxHooks = {}): Promise<TestMailbox> {
  const box = new TestMailbox(hooks);
  await box.start();
  mailboxes.push(box);
  return box;
}

function sender(box: TestMailbox, outbox: MemoryOutbox, extra: Partial<SmtpSenderOptions> = {}) {
  const events: SenderEvent[] = [];
  const clock = new FakeClock();
  const created = createSmtpSender({
    smtp: { host: '127.0.0.1', port: box.port, security: 'none' },
    stamp,
    outbox,
    clock,
    onEvent: (event) => events.push(event),
    ...extra,
  });
  return { sender: created, events, clock };
}

function header(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

describe('the SMTP sender', () => {
  it('delivers a batch of 20, one email each, with the drill headers and the recipient link', async () => {
    const box = await mailbox();
    const batch = lures(20);
    const outbox = MemoryOutbox.of(batch);
    const summary = await sender(box, outbox).sender.run();
    expect(summary).toEqual({ sent: 20, failed: 0, uncertain: 0, halted: false });
    expect(box.delivered).toHaveLength(20);
    for (const lure of batch) {
      const got = box.to(lure.to);
      expect(got).toHaveLength(1);
      const mail = got[0]!.mail;
      expect(header(mail.headers.get(DRILL_HEADER.toLowerCase()))).toBe('camp-7; contact=security@corp.example.test');
      expect(header(mail.headers.get(RECIPIENT_HEADER.toLowerCase()))).toBe(lure.recipientId);
      expect(mail.html).toContain(`href="${LINK_BASE}${lure.recipientId}"`);
      expect(mail.text).toContain(`${LINK_BASE}${lure.recipientId}`);
      expect(mail.subject).toBe(lure.subject);
      expect(outbox.state.get(lure.recipientId)).toEqual({ state: 'sent', messageId: mail.messageId });
    }
    // Ids are random, never derived from the address.
    expect(new Set(batch.map((l) => l.recipientId)).size).toBe(20);
    expect(batch.every((l) => !l.recipientId.includes('person'))).toBe(true);
  });

  it('retries a message the server answered 451, and delivers it once', async () => {
    const batch = lures(3);
    const box = await mailbox({ data: (n) => (n === 2 ? { code: 451, message: 'try again later' } : 'ok') });
    const outbox = MemoryOutbox.of(batch);
    const { sender: s, events, clock } = sender(box, outbox);
    expect(await s.run()).toEqual({ sent: 3, failed: 0, uncertain: 0, halted: false });
    for (const lure of batch) expect(box.to(lure.to)).toHaveLength(1);
    expect(box.bodies).toBe(4);
    expect(events.filter((e) => e.type === 'paused')).toHaveLength(1);
    expect(events.some((e) => e.type === 'resumed')).toBe(true);
    expect(clock.sleeps).toEqual([1000]);
  });

  it('backs off exponentially while the server keeps answering 4xx, then fails the message', async () => {
    const batch = lures(2);
    const box = await mailbox({ data: (_n, rcpt) => (rcpt === batch[0]!.to ? { code: 452, message: 'mailbox busy' } : 'ok') });
    const outbox = MemoryOutbox.of(batch);
    const { sender: s, clock } = sender(box, outbox, { backoff: { firstMs: 500, maxMs: 3000, maxAnswered: 5 } });
    expect(await s.run()).toEqual({ sent: 1, failed: 1, uncertain: 0, halted: false });
    expect(clock.sleeps).toEqual([500, 1000, 2000, 3000]);
    expect(outbox.state.get(batch[0]!.recipientId)?.state).toBe('failed');
  });

  it('fails a message refused with 550 at once, without a retry, and sends the rest', async () => {
    const batch = lures(3);
    const box = await mailbox({ data: (_n, rcpt) => (rcpt === batch[1]!.to ? { code: 550, message: 'no such user' } : 'ok') });
    const outbox = MemoryOutbox.of(batch);
    const { sender: s, clock } = sender(box, outbox);
    expect(await s.run()).toEqual({ sent: 2, failed: 1, uncertain: 0, halted: false });
    expect(box.bodies).toBe(3);
    expect(clock.sleeps).toEqual([]);
    expect(outbox.state.get(batch[1]!.recipientId)).toMatchObject({ state: 'failed', reason: expect.stringContaining('550') as string });
    expect(box.to(batch[1]!.to)).toHaveLength(0);
  });

  it('fails a message nodemailer refuses to send (a bad address) at once, without a retry', async () => {
    const [good, bad] = lures(2);
    const box = await mailbox();
    const outbox = MemoryOutbox.of([good!, { ...bad!, to: 'Person One <>' }]);
    const { sender: s, clock } = sender(box, outbox);
    expect(await s.run()).toEqual({ sent: 1, failed: 1, uncertain: 0, halted: false });
    expect(clock.sleeps).toEqual([]);
    expect(outbox.state.get(bad!.recipientId)).toMatchObject({
      state: 'failed',
      reason: expect.stringContaining('EENVELOPE: Invalid recipient') as string,
    });
  });

  it('logs in with the given credentials, and stops without sending when they are refused', async () => {
    const box = await mailbox({ auth: { user: 'drills', pass: 's3cret' } });
    const batch = lures(2);
    const good = sender(box, MemoryOutbox.of(batch), {
      smtp: { host: '127.0.0.1', port: box.port, security: 'none', auth: { user: 'drills', pass: 's3cret' } },
    });
    expect(await good.sender.run()).toMatchObject({ sent: 2 });
    const outbox = MemoryOutbox.of(lures(2));
    const bad = sender(box, outbox, {
      smtp: { host: '127.0.0.1', port: box.port, security: 'none', auth: { user: 'drills', pass: 'wrong' } },
    });
    const refused = await bad.sender.run().catch((error: unknown) => error as Error);
    expect(refused).toMatchObject({ code: 'FD_SMTP_REFUSED', message: expect.stringContaining('535') as string });
    expect((refused as Error).message).not.toContain('wrong');
    expect(outbox.count('pending')).toBe(2);
    expect(box.delivered).toHaveLength(2);
  });

  it('pauses while the server is down mid-batch and resumes when it is back, one email each', async () => {
    const batch = lures(20);
    const restarted: TestMailbox[] = [];
    const box: TestMailbox = await mailbox({ mailFrom: (n) => (n === 11 ? (box.kill(), 'drop') : 'ok') });
    const port = box.port;
    const outbox = MemoryOutbox.of(batch);
    const { sender: s, events, clock } = sender(box, outbox);
    // The server comes back while the sender sleeps for the second time: it was refused once.
    clock.onSleep = async (_ms, index) => {
      if (index !== 2) return;
      const again = new TestMailbox();
      await again.start(port);
      mailboxes.push(again);
      restarted.push(again);
    };
    expect(await s.run()).toEqual({ sent: 20, failed: 0, uncertain: 0, halted: false });
    const all = [...box.delivered, ...restarted.flatMap((m) => m.delivered)];
    expect(box.delivered).toHaveLength(10);
    expect(all).toHaveLength(20);
    for (const lure of batch) expect(all.filter((d) => d.rcpt.includes(lure.to))).toHaveLength(1);
    expect(clock.sleeps).toEqual([1000, 2000]);
    const paused = events.filter((e) => e.type === 'paused');
    expect(paused.length).toBe(2);
    expect(events.filter((e) => e.type === 'resumed')).toHaveLength(1);
  });

  it('marks a message uncertain, never resends it, when the connection drops after its last byte', async () => {
    const batch = lures(3);
    const box = await mailbox({ data: (n) => (n === 2 ? 'drop' : 'ok') });
    const outbox = MemoryOutbox.of(batch);
    const { sender: s } = sender(box, outbox);
    expect(await s.run()).toEqual({ sent: 2, failed: 0, uncertain: 1, halted: false });
    expect(box.bodies).toBe(3);
    expect(outbox.state.get(batch[1]!.recipientId)?.state).toBe('uncertain');
  });

  it('spaces attempts to the rate limit on the injected clock', async () => {
    const box = await mailbox();
    const outbox = MemoryOutbox.of(lures(5));
    const { sender: s, events, clock } = sender(box, outbox, { perMinute: 30 });
    await s.run();
    expect(events.filter((e) => e.type === 'attempt').map((e) => e.at)).toEqual([0, 2000, 4000, 6000, 8000]);
    expect(clock.sleeps).toEqual([2000, 2000, 2000, 2000]);
  });

  it('halts at once: nothing leaves after halt() resolves, the unsent stay queued', async () => {
    const box = await mailbox();
    const outbox = MemoryOutbox.of(lures(20));
    let halting: Promise<void> | undefined;
    let sent = 0;
    const s = createSmtpSender({
      smtp: { host: '127.0.0.1', port: box.port, security: 'none' },
      stamp,
      outbox,
      perMinute: 600,
      clock: new FakeClock(),
      onEvent: (event) => {
        if (event.type === 'sent' && ++sent === 5) halting = s.halt();
      },
    });
    const run = s.run();
    const summary = await run;
    await halting;
    expect(summary).toEqual({ sent: 5, failed: 0, uncertain: 0, halted: true });
    expect(box.delivered).toHaveLength(5);
    expect(outbox.count('pending')).toBe(15);
    expect(outbox.count('sending')).toBe(0);
    // A later run of a new sender over the same outbox would start from the sixth.
    expect(box.mailFroms).toBe(5);
  });

  it('halts a send stuck on a silent server and gives the message back', async () => {
    let release: (() => void) | undefined;
    const box = await mailbox({ mailFrom: () => new Promise((resolve) => (release = () => resolve('ok'))) });
    const outbox = MemoryOutbox.of(lures(2));
    const { sender: s } = sender(box, outbox);
    const run = s.run();
    while (box.mailFroms === 0) await new Promise((resolve) => setImmediate(resolve));
    await s.halt();
    release?.();
    expect(await run).toEqual({ sent: 0, failed: 0, uncertain: 0, halted: true });
    expect(outbox.count('pending')).toBe(2);
    expect(box.bodies).toBe(0);
  });
});
