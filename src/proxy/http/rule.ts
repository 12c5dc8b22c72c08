import type { HttpMatch } from '../api.js';
import type { Head } from './head.js';

/** What an HTTP toxic does with one request. */
export type HttpAction =
  | { readonly kind: 'pass' }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'abort'; readonly status: number; readonly body: string };

export const PASS: HttpAction = { kind: 'pass' };

/** Every field given must match: method (case-insensitive), path prefix, headers (exact values). */
export function matches(match: HttpMatch, head: Head): boolean {
  if (match.method !== undefined && match.method.toUpperCase() !== head.method) return false;
  if (match.pathPrefix !== undefined && !pathOf(head.target).startsWith(match.pathPrefix)) return false;
  for (const [name, value] of Object.entries(match.headers ?? {})) {
    if (head.headers.get(name.toLowerCase()) !== value) return false;
  }
  return true;
}

/** A percentage draw, per request. */
export function chance(percent: number): boolean {
  return percent >= 100 || Math.random() * 100 < percent;
}

/** The path of a request target, also in absolute form (`GET http://host/path` to a proxy). */
function pathOf(target: string): string {
  if (target.startsWith('/')) return target;
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(target);
  if (!scheme) return target;
  const rest = target.slice(scheme[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}
