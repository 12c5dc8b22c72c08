import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * The hosts a network technique may reach, as the host's allow-list names them: IP addresses,
 * CIDR blocks (IPv4) or `localhost`. Techniques take IP literals only — no name is resolved, so
 * what is checked is what is reached.
 */
export function hostAllowed(allowed: readonly string[], address: string): boolean {
  const ip = address === 'localhost' ? '127.0.0.1' : address;
  return allowed.some((entry) => {
    const wanted = entry === 'localhost' ? '127.0.0.1' : entry;
    if (!wanted.includes('/')) return wanted === ip;
    const [base = '', bits = ''] = wanted.split('/');
    const prefix = Number(bits);
    if (isIP(base) !== 4 || isIP(ip) !== 4 || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return false;
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    return (toInt(base) & mask) >>> 0 === (toInt(ip) & mask) >>> 0;
  });
}

function toInt(ip: string): number {
  return ip.split('.').reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0);
}

/** An IP literal (v4 or v6), or localhost. */
export function isAddress(value: string): boolean {
  return value === 'localhost' || isIP(value) !== 0;
}

/** An http(s) URL (or of the schemes given) whose host is an IP literal: what the host allow-list checks is what is reached. */
export function addressUrl(describe: string, schemes: readonly string[] = ['http', 'https']) {
  return z
    .url({ protocol: new RegExp(`^(${schemes.join('|')})$`) })
    .refine(
      (url) => isAddress(new URL(url).hostname.replace(/^\[|\]$/g, '')),
      `an ${schemes.join(' or ').replace('http or https', 'http(s)')} URL whose host is an IP address (names are not resolved)`,
    )
    .describe(describe);
}
