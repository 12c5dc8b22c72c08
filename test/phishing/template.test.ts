import { describe, expect, it } from 'vitest';
import { importAudience } from '../../src/phishing/audience.js';
import { TemplateError, checkTemplate, compileTemplate, preview, renderTemplate } from '../../src/phishing/template.js';

describe('the lure template engine', () => {
  it('escapes text values in HTML and leaves them as they are in text', () => {
    const values = { firstName: '<b>Ann & "Co"</b>', company: "O'Brien" };
    expect(renderTemplate(compileTemplate('<p>Hi {{ firstName }} of {{company}}</p>', 'html'), values)).toBe(
      '<p>Hi &#60;b&#62;Ann &#38; &#34;Co&#34;&#60;/b&#62; of O&#39;Brien</p>',
    );
    expect(renderTemplate(compileTemplate('Hi {{firstName}}', 'text'), values)).toBe('Hi <b>Ann & "Co"</b>');
  });

  it('rejects an unknown variable at save time with its line and column', () => {
    expect(checkTemplate('Hello\n  {{firstname}} and {{constructor}}', 'text')).toEqual([
      { line: 2, column: 3, message: 'unknown variable {{firstname}} (did you mean {{firstName}}?)' },
      { line: 2, column: 21, message: expect.stringMatching(/^unknown variable \{\{constructor\}\} \(known: firstName,/) as string },
    ]);
    expect(() => compileTemplate('{{__proto__}} {{toString}}', 'html', 'lure.html')).toThrow(TemplateError);
    expect(() => compileTemplate('{{__proto__}}', 'html', 'lure.html')).toThrow(/^lure\.html:1:1 unknown variable \{\{__proto__\}\}/);
    expect(checkTemplate('{{a.b}} {{#if x}}', 'text').map((problem) => problem.column)).toEqual([1, 9]);
  });

  it('refuses a template over the size limit', () => {
    expect(checkTemplate('x'.repeat(512 * 1024 + 1), 'html')).toEqual([
      { line: 1, column: 1, message: 'a template is at most 512 KiB, this one has 524289 characters' },
    ]);
  });

  it('reports an unclosed placeholder', () => {
    expect(checkTemplate('Hi {{firstName', 'text')).toEqual([
      { line: 1, column: 4, message: expect.stringContaining('without a closing') as string },
    ]);
  });

  it('writes only http(s) links, escaped for attributes', () => {
    const template = compileTemplate('<a href="{{link}}">go</a>', 'html');
    expect(renderTemplate(template, { link: 'https://x.example/l?a=1&b="2"' })).toBe(
      '<a href="https://x.example/l?a=1&#38;b=&#34;2&#34;">go</a>',
    );
    expect(() => renderTemplate(template, { link: 'javascript:alert(1)' })).toThrow(/link: only http\(s\) URLs/);
    expect(() => renderTemplate(compileTemplate('{{reportLink}}', 'text'), { reportLink: 'data:text/html,x' })).toThrow(/reportLink/);
  });

  it('refuses placements escaping cannot make safe', () => {
    const messages = (source: string): string[] => checkTemplate(source, 'html').map((problem) => problem.message);
    expect(messages('<a href={{link}}>x</a>')).toEqual(['{{link}} inside a tag must be in a quoted attribute value']);
    expect(messages('<a {{firstName}}>x</a>')).toEqual(['{{firstName}} inside a tag must be in a quoted attribute value']);
    expect(messages('<a href="{{firstName}}">x</a>')).toEqual(['href= must start with a link variable (link, reportLink, completeLink)']);
    expect(messages('<p onclick="go(\'{{firstName}}\')">x</p>')).toEqual(['{{firstName}} may not be written into onclick=']);
    expect(messages('<script>var n = "{{firstName}}"</script>')).toEqual(['{{firstName}} may not be written into <script>']);
    expect(messages('<img alt="{{qr}}">')).toEqual(['{{qr}} makes an element: place it between tags, not inside one']);
    expect(messages('<a href="{{link}}" title="For {{firstName}}">x</a>')).toEqual([]);
    expect(checkTemplate('<a href={{firstName}}>', 'text')).toEqual([]);
  });

  it('turns {{qr}} into an image of a cid or URL in HTML and the link in text', () => {
    const values = { link: 'https://d.example/l/1', qr: { src: 'cid:qr-1@firedrill' } };
    expect(renderTemplate(compileTemplate('<p>{{qr}}</p>', 'html'), values)).toBe(
      '<p><img src="cid:qr-1@firedrill" alt="QR code" width="200" height="200"></p>',
    );
    expect(renderTemplate(compileTemplate('Scan: {{qr}}', 'text'), values)).toBe('Scan: https://d.example/l/1');
    expect(() => renderTemplate(compileTemplate('{{qr}}', 'html'), { qr: { src: 'javascript:x' } })).toThrow(/qr\.src/);
  });

  it('writes the tracking pixel in HTML only', () => {
    const values = { trackingPixel: 'https://d.example/o/1.gif' };
    expect(renderTemplate(compileTemplate('{{trackingPixel}}', 'html'), values)).toBe(
      '<img src="https://d.example/o/1.gif" width="1" height="1" alt="" style="display:none">',
    );
    expect(renderTemplate(compileTemplate('a{{trackingPixel}}b', 'text'), values)).toBe('ab');
  });

  it('never reads inherited properties of the values', () => {
    const values = Object.create({ firstName: 'inherited' }) as { firstName?: string };
    expect(renderTemplate(compileTemplate('[{{firstName}}]', 'text'), values)).toBe('[]');
  });

  it('previews with a sample recipient over the defaults', () => {
    const template = compileTemplate('{{firstName}} {{lastName}} at {{company}}', 'text');
    expect(preview(template, { firstName: 'Zoé' })).toBe('Zoé Martin at Example Corp');
    const [recipient] = importAudience('email,firstName,lastName,department\nli@example.org,Li,Wei,Ops\n').recipients;
    expect(preview(template, recipient)).toBe('Li Wei at Example Corp');
  });
});
