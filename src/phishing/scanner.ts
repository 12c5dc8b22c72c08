import { inRanges, parseCidr } from './cidr.js';
import type { Cidr } from './cidr.js';

/**
 * Was a click a person or a machine? Mail security gateways open every link of an incoming
 * message to check it, and link previews fetch them too; counted as clicks they would blame
 * people for a robot's work. A click is a scanner's, with the reason, when (first rule wins):
 *
 *   1. it came before the message was delivered (or no delivery is recorded) — nobody can click
 *      what they have not received;
 *   2. it is a HEAD (or OPTIONS) request — browsers follow a link with GET;
 *   3. it carries a prefetch header: `Purpose: prefetch`, `Sec-Purpose: prefetch…`,
 *      `X-Moz: prefetch`, `X-Purpose: preview`;
 *   4. its user agent is missing or names a known scanner (SCANNER_USER_AGENTS, plus the
 *      drill's own list);
 *   5. it came within `quickClickMs` of delivery from a data-centre range the drill lists.
 *
 * Otherwise it is human. Some scanners run a full browser and pass all of this; the optional
 * confirm-click step (confirm-click.ts) asks for a script to post back, which stops the rest.
 */

/**
 * Substrings (case-insensitive) of user agents that fetch links without a person: mail
 * security gateways, link previewers, HTTP libraries and headless browsers. A list to extend
 * per organisation (`userAgents`), not a guarantee.
 */
export const SCANNER_USER_AGENTS: readonly string[] = [
  'barracuda',
  'mimecast',
  'proofpoint',
  'forcepoint',
  'ironport',
  'symantec',
  'trend micro',
  'safelinks',
  'bingpreview',
  'google-safety',
  'googlebot',
  'bot/',
  'crawler',
  'spider',
  'preview',
  'slackbot',
  'facebookexternalhit',
  'skypeuripreview',
  'microsoft office existence discovery',
  'headlesschrome',
  'python-requests',
  'python-urllib',
  'go-http-client',
  'curl/',
  'wget/',
  'java/',
  'okhttp',
  'libwww-perl',
  'axios/',
  'node-fetch',
];

export interface ScannerPolicy {
  /** Data-centre ranges whose quick clicks are scanners (CIDR text). */
  readonly dataCentreRanges?: readonly string[];
  /** How soon after delivery a data-centre click is a scanner's (default 60 s). */
  readonly quickClickMs?: number;
  /** More user-agent substrings, beside SCANNER_USER_AGENTS. */
  readonly userAgents?: readonly string[];
}

/** A policy checked once: ranges parsed (a bad range throws RangeError naming it). */
export interface CompiledScannerPolicy {
  readonly ranges: readonly Cidr[];
  readonly quickClickMs: number;
  readonly userAgents: readonly string[];
}

export interface ClickRequest {
  /** Epoch ms. */
  readonly at: number;
  readonly method: string;
  /** Header names in any case. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The client address the server saw. */
  readonly address?: string;
}

export type ClickVerdict = { readonly human: true } | { readonly human: false; readonly reason: string };

export function compileScannerPolicy(policy: ScannerPolicy = {}): CompiledScannerPolicy {
  return {
    ranges: (policy.dataCentreRanges ?? []).map(parseCidr),
    quickClickMs: policy.quickClickMs ?? 60_000,
    userAgents: [...SCANNER_USER_AGENTS, ...(policy.userAgents ?? [])].map((agent) => agent.toLowerCase()),
  };
}

/** Human or scanner, with the reason, for a click on a recipient's link delivered at `deliveredAt`. */
export function classifyClick(request: ClickRequest, deliveredAt: number | undefined, policy: CompiledScannerPolicy): ClickVerdict {
  if (deliveredAt === undefined) return scanner('clicked before the message was delivered (no delivery recorded)');
  if (request.at < deliveredAt) return scanner('clicked before the message was delivered');
  const method = request.method.toUpperCase();
  if (method === 'HEAD' || method === 'OPTIONS') return scanner(`a ${method} request (browsers follow links with GET)`);
  const headers = lowerCased(request.headers);
  for (const [name, pattern] of PREFETCH_HEADERS)
    if (pattern.test(headers.get(name) ?? '')) return scanner(`a prefetch (${name}: ${headers.get(name) ?? ''})`);
  const agent = (headers.get('user-agent') ?? '').trim();
  if (agent === '') return scanner('no user agent');
  const known = policy.userAgents.find((pattern) => agent.toLowerCase().includes(pattern));
  if (known !== undefined) return scanner(`user agent of a scanner or preview (${JSON.stringify(known)})`);
  const range = request.address === undefined ? undefined : inRanges(request.address, policy.ranges);
  if (range !== undefined && request.at - deliveredAt <= policy.quickClickMs)
    return scanner(`from data-centre range ${range.text} ${Math.round((request.at - deliveredAt) / 1000)} s after delivery`);
  return { human: true };
}

const PREFETCH_HEADERS: readonly (readonly [string, RegExp])[] = [
  ['purpose', /prefetch|preview/i],
  ['sec-purpose', /prefetch|prerender/i],
  ['x-moz', /prefetch/i],
  ['x-purpose', /preview|prefetch/i],
];

function scanner(reason: string): ClickVerdict {
  return { human: false, reason };
}

function lowerCased(headers: ClickRequest['headers']): Map<string, string> {
  const found = new Map<string, string>();
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) found.set(name.toLowerCase(), typeof value === 'string' ? value : value.join(', '));
  return found;
}
