import { describe, expect, it } from 'vitest';
import { tokenizeHtml } from '../../src/phishing/html-tokens.js';
import { LandingError, sanitiseLanding } from '../../src/phishing/landing.js';
import { seededRandom } from '../../src/util/random.js';

// Seeded documents built from the fragments that trip tokenizers: quotes left open, tags cut
// short, comments, raw-text elements, names in every case and place.
const FRAGMENTS = [
  '<input',
  '<INPUT',
  '<select',
  '<TextArea',
  '<button',
  '<form',
  '<FORM',
  ' name=x',
  ' NAME="p w"',
  " name='y'",
  ' name',
  ' formaction=/f',
  ' action=/a',
  ' method=get',
  ' value="name=z"',
  " title='a name=b'",
  ' type=password',
  '/',
  '>',
  '"',
  "'",
  '=',
  ' ',
  '\n',
  '<!--',
  '-->',
  '<!-->',
  '<style>',
  '</style>',
  '</textarea>',
  '</form>',
  'text',
  '<p>',
];

function document(random: () => number): string {
  let html = '';
  const length = 1 + Math.floor(random() * 30);
  for (let i = 0; i < length; i++) html += FRAGMENTS[Math.floor(random() * FRAGMENTS.length)] as string;
  return html;
}

describe('sanitising landing pages built from nasty fragments', () => {
  it('never leaves a named field or a foreign form action, and a second pass changes nothing', () => {
    const random = seededRandom(20261206);
    let checked = 0;
    for (let i = 0; i < 3000; i++) {
      const html = document(random);
      let safe: string;
      try {
        safe = sanitiseLanding(html, { trackingAction: '/s/t' }).html;
      } catch (error) {
        if (error instanceof LandingError) continue;
        throw error;
      }
      checked++;
      for (const token of tokenizeHtml(safe)) {
        if (token.type !== 'tag' || token.closing) continue;
        if (['input', 'select', 'textarea', 'button'].includes(token.name))
          expect(
            token.attributes.map((attribute) => attribute.name),
            html,
          ).not.toContain('name');
        if (token.name === 'form')
          expect(
            token.attributes.filter((attribute) => attribute.name === 'action').map((attribute) => attribute.value),
            html,
          ).toEqual(['/s/t']);
      }
      const again = sanitiseLanding(safe, { trackingAction: '/s/t' });
      expect(
        again.warnings.filter((warning) => warning.message.includes('removed')),
        html,
      ).toEqual([]);
    }
    expect(checked).toBeGreaterThan(2000);
  });
});
