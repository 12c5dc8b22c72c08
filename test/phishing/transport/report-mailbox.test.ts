import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { composeLure, newRecipientId } from '../../../src/phishing/transport/lure.js';
import { startReportMailbox, type MailboxReport, type ReportMailbox } from '../../../src/phishing/transport/report-mailbox.js';
import { createSmtpSender } from '../../../src/phishing/transport/smtp-sender.js';
import { selfSignedCertificate } from '../../probes/fixtures.js';
import { LINK_BASE, lures, MemoryOutbox } from './mailbox.js';

const REPORT = 'report-phishing@corp.example.test';
const stamp = { campaignId: 'camp-7', contact: 'security@corp.example.test' };
const open: ReportMailbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
});

async function mailbox(extra: { maxBytes?: number; isKnown?: (id: string) => boolean } = {}) {
  const reports: MailboxReport[] = [];
  const box = await startReportMailbox({
    port: 0,
    accept: [REPORT],
    onReport: (report) => void reports.push(report),
    now: () => new Date('2026-12-01T09:30:00Z'),
    ...extra,
  });
  open.push(box);
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.port, secure: false, ignoreTLS: true });
  return { box, reports, transport };
}

/** Three lures as the recipients received them. */
async function received() {
  const batch = lures(3);
  return Promise.all(batch.map(async (lure) => ({ lure, raw: (await composeLure(lure, stamp)).raw })));
}

describe('the reporting mailbox', () => {
  it('matches a lure forwarded inline, as an .eml attachment and as a plain mail with the link', async () => {
    const { reports, transport } = await mailbox();
    const [inline, attached, linkOnly] = await received();
    await transport.sendMail({
      from: 'person0@corp.example.test',
      to: REPORT,
      subject: 'Fwd: Your parcel is waiting',
      text: `Looks phishy.\n\n---------- Forwarded message ---------\nFrom: Parcel service\n\n${inline!.lure.text}`,
      html: `<p>Looks phishy.</p><blockquote>${inline!.lure.html}</blockquote>`,
    });
    await transport.sendMail({
      from: '"Person One" <Person1@corp.example.test>',
      to: REPORT,
      subject: 'Suspicious',
      text: 'See attached.',
      // Outlook's "forward as attachment" with a generic content type: the file name tells.
      attachments: [{ filename: 'Your parcel.eml', content: attached!.raw, contentType: 'application/octet-stream' }],
    });
    await transport.sendMail({
      from: 'person2@corp.example.test',
      to: REPORT,
      subject: 'phishing?',
      text: `I got a link ${LINK_BASE}${linkOnly!.lure.recipientId} in a mail I deleted.`,
    });
    expect(reports).toEqual([
      {
        recipientId: inline!.lure.recipientId,
        reporter: 'person0@corp.example.test',
        receivedAt: new Date('2026-12-01T09:30:00Z'),
        how: 'link',
      },
      {
        recipientId: attached!.lure.recipientId,
        reporter: 'person1@corp.example.test',
        receivedAt: expect.any(Date) as Date,
        how: 'attachment',
      },
      { recipientId: linkOnly!.lure.recipientId, reporter: 'person2@corp.example.test', receivedAt: expect.any(Date) as Date, how: 'link' },
    ]);
  });

  it('reads the original headers of a message/rfc822 attachment and of a redirected mail', async () => {
    const { reports, transport } = await mailbox();
    const [rfc822, redirected] = await received();
    await transport.sendMail({
      from: 'a@corp.example.test',
      to: REPORT,
      text: 'fwd',
      attachments: [{ content: rfc822!.raw, contentType: 'message/rfc822' }],
    });
    await transport.sendMail({ envelope: { from: 'b@corp.example.test', to: [REPORT] }, raw: redirected!.raw });
    expect(reports.map((r) => [r.recipientId, r.how])).toEqual([
      [rfc822!.lure.recipientId, 'attachment'],
      [redirected!.lure.recipientId, 'header'],
    ]);
  });

  it('finds an id quoted in the text when there is no header, attachment or link', async () => {
    const { reports, transport } = await mailbox();
    const id = newRecipientId();
    await transport.sendMail({
      from: 'k@corp.example.test',
      to: REPORT,
      text: `The mail had a reference (${id.toUpperCase()}) at the bottom.`,
    });
    expect(reports.map((r) => [r.recipientId, r.how])).toEqual([[id, 'text']]);
  });

  it('reports a mail with no id as unmatched, and ignores ids the campaign does not know', async () => {
    const known = newRecipientId();
    const { reports, transport } = await mailbox({ isKnown: (id) => id === known });
    await transport.sendMail({
      from: 'c@corp.example.test',
      to: REPORT,
      subject: 'odd mail',
      text: 'A strange mail asked for my password.',
    });
    await transport.sendMail({
      from: 'd@corp.example.test',
      to: REPORT,
      text: `${LINK_BASE}${newRecipientId()} and then ${LINK_BASE}${known}`,
    });
    expect(reports.map((r) => [r.recipientId, r.how, r.reporter])).toEqual([
      [undefined, 'unmatched', 'c@corp.example.test'],
      [known, 'link', 'd@corp.example.test'],
    ]);
  });

  it('refuses an oversized mail and reports nothing', async () => {
    const { reports, transport } = await mailbox({ maxBytes: 50_000 });
    const sending = transport.sendMail({ from: 'e@corp.example.test', to: REPORT, text: 'x'.repeat(80_000) });
    await expect(sending).rejects.toMatchObject({ responseCode: 552 });
    expect(reports).toEqual([]);
  });

  it('refuses to relay: only its own addresses are accepted', async () => {
    const { reports, transport } = await mailbox();
    const sending = transport.sendMail({ from: 'f@corp.example.test', to: 'someone@elsewhere.example.test', text: 'relay me' });
    await expect(sending).rejects.toMatchObject({ responseCode: 550 });
    expect(reports).toEqual([]);
  });

  it('answers 451 when the report cannot be recorded, so that the forwarding server retries', async () => {
    const box = await startReportMailbox({
      port: 0,
      accept: [REPORT],
      onReport: () => {
        throw new Error('store down');
      },
    });
    open.push(box);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.port, secure: false, ignoreTLS: true });
    await expect(transport.sendMail({ from: 'g@corp.example.test', to: REPORT, text: 'x' })).rejects.toMatchObject({ responseCode: 451 });
  });

  it('requires STARTTLS when told to, and the sender upgrades with the given CA', async (context) => {
    const pair = await selfSignedCertificate();
    if ('skip' in pair) return context.skip(pair.skip);
    const reports: MailboxReport[] = [];
    const box = await startReportMailbox({ port: 0, accept: [REPORT], tls: pair, requireTls: true, onReport: (r) => void reports.push(r) });
    open.push(box);
    const plain = nodemailer.createTransport({ host: '127.0.0.1', port: box.port, secure: false, ignoreTLS: true });
    await expect(plain.sendMail({ from: 'h@corp.example.test', to: REPORT, text: 'x' })).rejects.toMatchObject({ responseCode: 530 });
    const [lure] = lures(1);
    const outbox = MemoryOutbox.of([{ ...lure!, to: REPORT }]);
    const sender = createSmtpSender({
      smtp: { host: '127.0.0.1', port: box.port, security: 'starttls', tls: { ca: pair.cert } },
      stamp,
      outbox,
    });
    expect(await sender.run()).toMatchObject({ sent: 1 });
    expect(reports.map((r) => [r.recipientId, r.how])).toEqual([[lure!.recipientId, 'header']]);
  });
});
