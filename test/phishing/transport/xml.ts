// A small XML well-formedness check for the SVG the transports write: every tag closed in order,
// every attribute quoted and not repeated, no stray `<` or `&`. Enough for generated markup.
export function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const open: string[] = [];
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '').replace(/<!--[\s\S]*?-->/g, '');
  const token = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|([^<]+)|(<)/g;
  for (const match of body.matchAll(token)) {
    const [, closing, name, attributes, selfClosing, text, stray] = match;
    if (stray) problems.push(`stray < at ${match.index}`);
    else if (text !== undefined) {
      if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i.test(text)) problems.push(`bare & in text at ${match.index}`);
    } else if (closing) {
      const expected = open.pop();
      if (expected !== name) problems.push(`</${name}> closes <${expected ?? 'nothing'}>`);
    } else {
      const names = [...(attributes ?? '').matchAll(/([\w:.-]+)\s*=/g)].map((m) => m[1]);
      if (new Set(names).size !== names.length) problems.push(`<${name}> repeats an attribute`);
      if (!selfClosing) open.push(name ?? '');
    }
  }
  if (open.length > 0) problems.push(`unclosed: ${open.join(', ')}`);
  if (!/^\s*<svg[\s>]/.test(body)) problems.push('the root is not <svg>');
  return problems;
}
