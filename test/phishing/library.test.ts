import { describe, expect, it } from 'vitest';
import { LANGUAGES } from '../../src/phishing/audience.js';
import { sanitiseLanding } from '../../src/phishing/landing.js';
import { LURES, findLure, lureContent } from '../../src/phishing/library/index.js';
import { checkTemplate, compileTemplate, preview } from '../../src/phishing/template.js';

describe('the starter lure library', () => {
  it('holds the five lures of the issue, each in English and French', () => {
    expect(LURES.map((lure) => lure.id)).toEqual(['parcel-delivery', 'shared-document', 'password-expiry', 'invoice', 'hr-policy']);
    expect(findLure('invoice')?.title).toBe('Overdue invoice');
    for (const lure of LURES) for (const language of LANGUAGES) expect(lureContent(lure, language).language).toBe(language);
  });

  for (const lure of LURES)
    for (const language of LANGUAGES)
      it(`${lure.id} (${language}): every template passes validation and carries the report link`, () => {
        const content = lureContent(lure, language);
        const checks = {
          subject: checkTemplate(content.subject, 'text'),
          senderName: checkTemplate(content.senderName, 'text'),
          html: checkTemplate(content.html, 'html'),
          text: checkTemplate(content.text, 'text'),
          landing: checkTemplate(content.landing, 'html'),
          training: checkTemplate(content.training, 'html'),
        };
        expect(checks).toEqual({ subject: [], senderName: [], html: [], text: [], landing: [], training: [] });
        expect(content.html).toContain('href="{{reportLink}}"');
        expect(content.text).toContain('{{reportLink}}');
        expect(content.training).toContain('action="{{completeLink}}"');
        expect(content.training).toContain('<mark>');
        expect(content.signs.length).toBeGreaterThanOrEqual(3);
        expect(content.senderName).toContain('{{company}}');
        expect(preview(compileTemplate(content.html, 'html'))).not.toContain('{{');
      });

  it('ships landing pages with no field names, so sanitising changes only the form action', () => {
    for (const lure of LURES)
      for (const language of LANGUAGES) {
        const { warnings } = sanitiseLanding(lureContent(lure, language).landing, { trackingAction: '/s/x' });
        expect(warnings.map((warning) => warning.message)).toEqual([
          '<form> method="post" replaced: forms post to the tracking action only',
        ]);
      }
  });

  it('names no real domain: the only addresses are template variables', () => {
    for (const lure of LURES)
      for (const language of LANGUAGES) {
        const content = lureContent(lure, language);
        const all = [content.subject, content.senderName, content.html, content.text, content.landing, content.training].join('\n');
        expect(all).not.toMatch(/https?:\/\/|www\.|\b[a-z0-9-]+\.(com|net|org|fr|io)\b/i);
      }
  });
});
