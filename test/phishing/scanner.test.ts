import { describe, expect, it } from 'vitest';
import { inRanges, parseCidr } from '../../src/phishing/cidr.js';
import { confirmClick, confirmClickPage } from '../../src/phishing/confirm-click.js';
import { classifyClick, compileScannerPolicy } from '../../src/phishing/scanner.js';

const browser = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const delivered = 1_000_000;
const policy = compileScannerPolicy({
  dataCentreRanges: ['203.0.113.0/24', '2001:db8::/32'],
  quickClickMs: 30_000,
  userAgents: ['AcmeGuard'],
});

function click(overrides: Partial<Parameters<typeof classifyClick>[0]> = {}): Parameters<typeof classifyClick>[0] {
  return { at: delivered + 120_000, method: 'GET', headers: { 'User-Agent': browser }, address: '198.51.100.7', ...overrides };
}

describe('telling human clicks from scanners', () => {
  it('takes a browser GET after delivery for a person', () => {
    expect(classifyClick(click(), delivered, policy)).toEqual({ human: true });
  });

  it('flags clicks before delivery, or with no delivery recorded', () => {
    expect(classifyClick(click({ at: delivered - 1 }), delivered, policy)).toEqual({
      human: false,
      reason: 'clicked before the message was delivered',
    });
    expect(classifyClick(click(), undefined, policy)).toMatchObject({
      human: false,
      reason: expect.stringContaining('no delivery') as string,
    });
  });

  it('flags HEAD requests and prefetches', () => {
    expect(classifyClick(click({ method: 'head' }), delivered, policy)).toMatchObject({
      human: false,
      reason: expect.stringContaining('HEAD') as string,
    });
    for (const headers of [{ Purpose: 'prefetch' }, { 'Sec-Purpose': 'prefetch;prerender' }, { 'X-Moz': 'prefetch' }])
      expect(classifyClick(click({ headers: { 'User-Agent': browser, ...headers } }), delivered, policy).human).toBe(false);
  });

  it('flags known scanner user agents, the drill’s own, and a missing one', () => {
    const agent = (ua: string): string | undefined => {
      const verdict = classifyClick(click({ headers: { 'user-agent': ua } }), delivered, policy);
      return verdict.human ? undefined : verdict.reason;
    };
    expect(agent('Mozilla/5.0 (compatible; Barracuda Sentinel)')).toBe('user agent of a scanner or preview ("barracuda")');
    expect(agent('python-requests/2.32')).toBe('user agent of a scanner or preview ("python-requests")');
    expect(agent('AcmeGuard/3 link check')).toBe('user agent of a scanner or preview ("acmeguard")');
    expect(agent('  ')).toBe('no user agent');
  });

  it('flags quick clicks from data-centre ranges, but not slow ones', () => {
    expect(classifyClick(click({ at: delivered + 5_000, address: '203.0.113.50' }), delivered, policy)).toEqual({
      human: false,
      reason: 'from data-centre range 203.0.113.0/24 5 s after delivery',
    });
    expect(classifyClick(click({ at: delivered + 5_000, address: '::ffff:203.0.113.50' }), delivered, policy).human).toBe(false);
    expect(classifyClick(click({ at: delivered + 5_000, address: '2001:db8:1::9' }), delivered, policy).human).toBe(false);
    expect(classifyClick(click({ at: delivered + 60_000, address: '203.0.113.50' }), delivered, policy)).toEqual({ human: true });
    expect(classifyClick(click({ at: delivered + 5_000, address: '198.51.100.7' }), delivered, policy)).toEqual({ human: true });
  });
});

describe('CIDR ranges', () => {
  it('matches IPv4 and IPv6 prefixes and refuses bad ranges', () => {
    expect(inRanges('10.1.2.3', [parseCidr('10.0.0.0/8')])?.text).toBe('10.0.0.0/8');
    expect(inRanges('11.0.0.1', [parseCidr('10.0.0.0/8')])).toBeUndefined();
    expect(inRanges('2001:db8::1', [parseCidr('2001:db8::/127')])).toBeDefined();
    expect(inRanges('2001:db8::2', [parseCidr('2001:db8::/127')])).toBeUndefined();
    expect(inRanges('1.2.3.4', [parseCidr('0.0.0.0/0')])).toBeDefined();
    expect(() => parseCidr('10.0.0.0/33')).toThrow(RangeError);
    expect(() => parseCidr('example.org/24')).toThrow(/is not a CIDR range/);
  });
});

describe('the confirm-click step', () => {
  const expected = { token: 'tok-123', shownAt: 5_000 };

  it('counts a post with the token after the page as a person, and refuses the rest', () => {
    expect(confirmClick({ token: 'tok-123', at: 6_000 }, expected)).toEqual({ human: true });
    expect(confirmClick({ token: 'tok-124', at: 6_000 }, expected)).toMatchObject({
      human: false,
      reason: 'the token does not match the page served',
    });
    expect(confirmClick({ token: 'tok-123', at: 5_010 }, expected)).toMatchObject({
      human: false,
      reason: 'posted 10 ms after the page was served',
    });
    expect(confirmClick({ token: 'tok-123', at: 5_000 + 600_001 }, expected)).toMatchObject({
      human: false,
      reason: 'the token has expired',
    });
    expect(confirmClick({ token: '', at: 6_000 }, { token: '', shownAt: 5_000 }).human).toBe(false);
  });

  it('serves a noindex page whose script posts the token, safe against a hostile URL', () => {
    const html = confirmClickPage({
      confirmUrl: 'https://d.example/c/1?x=</script><script>alert(1)</script>',
      token: 'tok-123',
      language: 'fr',
    });
    expect(html).toContain('<meta name="robots" content="noindex, nofollow">');
    expect(html).toContain('"token":"tok-123"');
    expect(html).toContain("method:'POST'");
    expect(html).toContain('lang="fr"');
    expect(html.match(/<\/script>/g)).toHaveLength(1);
  });
});
