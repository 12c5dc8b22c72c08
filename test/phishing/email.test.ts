import { describe, expect, it } from 'vitest';
import { importAudience } from '../../src/phishing/audience.js';
import { LureTemplateError, checkLure, compileLure, recipientValues, renderEmail, renderPage } from '../../src/phishing/email.js';
import { findLure } from '../../src/phishing/library/index.js';

const links = {
  link: 'https://drills.example.org/l/r1',
  reportLink: 'https://drills.example.org/r/r1',
  completeLink: 'https://drills.example.org/t/r1',
  qr: { src: 'cid:qr-r1' },
  trackingPixel: 'https://drills.example.org/o/r1.gif',
};

describe('rendering a lure for one recipient', () => {
  const [camille] = importAudience(
    'email,firstName,lastName,department,language\ncamille@example.org,Camille,Roux,Finance,fr\n',
  ).recipients;

  it('renders the library parcel lure in French with the recipient’s links and QR code', () => {
    const content = findLure('parcel-delivery')?.content.fr;
    if (!content || !camille) throw new Error('fixture');
    const email = renderEmail(compileLure(content, 'parcel-delivery.fr'), recipientValues(camille, links, 'Acme'));
    expect(email.senderName).toBe('Courrier Acme');
    expect(email.subject).toBe("Votre colis n'a pas pu être livré – action requise aujourd'hui");
    expect(email.html).toContain('<p>Bonjour Camille,</p>');
    expect(email.html).toContain('href="https://drills.example.org/l/r1"');
    expect(email.html).toContain('<img src="cid:qr-r1"');
    expect(email.html).toContain('href="https://drills.example.org/r/r1"');
    expect(email.text).toContain('Signaler ce message: https://drills.example.org/r/r1');
    expect(email.text).toContain('Courrier Acme');
    const training = renderPage(compileLure(content), 'training', recipientValues(camille, links, 'Acme'));
    expect(training).toContain('action="https://drills.example.org/t/r1"');
    expect(training).toContain('mené par Acme');
  });

  it('keeps a recipient’s data from adding a mail header', () => {
    const lure = compileLure({
      subject: 'For {{firstName}}',
      senderName: '{{company}}\r\nBcc: x@evil.example',
      html: '',
      text: '',
      landing: '',
      training: '',
    });
    const email = renderEmail(lure, { firstName: 'Ann\r\nBcc: all@example.org', company: 'Acme' });
    expect(email.subject).toBe('For Ann Bcc: all@example.org');
    expect(email.senderName).toBe('Acme Bcc: x@evil.example');
    expect(renderEmail(lure, { firstName: 'x'.repeat(500) }).subject).toHaveLength(200);
  });

  it('lists every problem of every part when a lure is saved', () => {
    const templates = {
      subject: 'Hi {{name}}',
      senderName: 'IT',
      html: '<a href={{link}}>x</a>',
      text: '',
      landing: '',
      training: '{{score}}',
    };
    expect(checkLure(templates).map((problem) => `${problem.part}:${problem.line}:${problem.column}`)).toEqual([
      'subject:1:4',
      'html:1:9',
      'training:1:1',
    ]);
    expect(() => compileLure(templates, 'custom')).toThrow(LureTemplateError);
    expect(() => compileLure(templates, 'custom')).toThrow(/^custom\.subject:1:4 unknown variable \{\{name\}\}/);
  });
});
