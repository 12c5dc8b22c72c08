import type { ProxyDefinition, ProxyInfo, ProxyManager, ToxicSpec } from '../proxy/api.js';
import { booleanField, stringField } from './body.js';
import type { JsonObject } from './body.js';
import { asListenError, missingField, proxyNotFound } from './errors.js';
import { renderToxic } from './toxic-shape.js';
import type { ToxiproxyToxic } from './toxic-shape.js';

/** A proxy as Toxiproxy shows it (api.go's proxyToxics). */
export interface ToxiproxyProxy {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
  readonly enabled: boolean;
  readonly toxics: readonly ToxiproxyToxic[];
}

/** Toxiproxy lists a proxy's upstream toxics, then its downstream ones, each in the order added. */
const STREAM_ORDER = { upstream: 0, downstream: 1, both: 2 } as const;

/**
 * Upstreams resolve when a connection arrives, as in Toxiproxy: a test suite may name a host that
 * does not exist yet, or never will (`somehost:12345`); such a connection is closed.
 */
const LAZY_UPSTREAM = { resolveUpstream: 'on-connect' } as const;

export function renderProxy(info: ProxyInfo): ToxiproxyProxy {
  const toxics = [...info.toxics].sort((a, b) => STREAM_ORDER[a.stream] - STREAM_ORDER[b.stream]).map(renderToxic);
  return { name: info.name, listen: shownListen(info), upstream: info.upstream, enabled: info.enabled, toxics };
}

/** Toxiproxy shows the address it bound (the real port when asked for 0), and keeps it once known. */
export function shownListen(info: ProxyInfo): string {
  return info.address || info.listen;
}

export function mustGetProxy(proxies: ProxyManager, name: string): ProxyInfo {
  const info = proxies.get(name);
  if (!info) throw proxyNotFound();
  return info;
}

export function findToxic(info: ProxyInfo, id: string): ToxicSpec | undefined {
  return info.toxics.find((toxic) => toxic.id === id);
}

/**
 * A proxy to create, from POST /proxies or one entry of POST /populate (`at` is its 1-based
 * position there, which Toxiproxy's messages name). Enabled unless it says otherwise. Only
 * name and upstream are required: without a listen address Toxiproxy takes a free port on every
 * interface, and Firedrill one on `defaultListen` (loopback, unless the agent is `--insecure`).
 */
export function readProxyDefinition(body: JsonObject, defaultListen: string, at?: number): Required<ProxyDefinition> {
  const where = at === undefined ? '' : `proxy ${at}: `;
  const suffix = at === undefined ? '' : ` at proxy ${at}`;
  const name = stringField(body, 'name', where) ?? '';
  const listen = stringField(body, 'listen', where) || defaultListen;
  const upstream = stringField(body, 'upstream', where) ?? '';
  const enabled = booleanField(body, 'enabled', where) ?? true;
  if (name === '') throw missingField(`name${suffix}`);
  if (upstream === '') throw missingField(`upstream${suffix}`);
  return { name, listen, upstream, enabled };
}

/**
 * The changes POST /proxies/{proxy} asks for: fields left out keep their value, and a field
 * equal to what is shown is no change (clients send back the bound `listen` they were shown).
 */
export function readProxyChanges(info: ProxyInfo, body: JsonObject, defaultListen: string): Partial<Omit<ProxyDefinition, 'name'>> {
  const given = stringField(body, 'listen');
  const listen = given === '' ? defaultListen : given;
  const upstream = stringField(body, 'upstream');
  const enabled = booleanField(body, 'enabled');
  return {
    ...(listen !== undefined && !sameListen(info, listen) && { listen }),
    ...(upstream !== undefined && upstream !== info.upstream && { upstream }),
    ...(enabled !== undefined && enabled !== info.enabled && { enabled }),
  };
}

const LOOPBACK = new Set(['127.0.0.1', '::1']);

/**
 * Whether `listen` names the address the proxy has: as it was given, as it is shown, or
 * `localhost` for the loopback address it bound (Toxiproxy 2.12 compares resolved addresses, so
 * populating `localhost:7070` again leaves a proxy on 127.0.0.1:7070 alone).
 */
export function sameListen(info: ProxyInfo, listen: string): boolean {
  const shown = shownListen(info);
  if (listen === info.listen || listen === shown) return true;
  const colon = listen.lastIndexOf(':');
  const boundColon = shown.lastIndexOf(':');
  const port = listen.slice(colon + 1);
  if (colon < 0 || port === '0' || port !== shown.slice(boundColon + 1)) return false;
  return listen.slice(0, colon) === 'localhost' && LOOPBACK.has(shown.slice(0, boundColon).replace(/^\[|\]$/g, ''));
}

/** Creates the proxy; a listen address it cannot use is Toxiproxy's 500 listen error. */
export async function createProxy(proxies: ProxyManager, definition: ProxyDefinition): Promise<ProxyInfo> {
  try {
    return await proxies.create(definition, LAZY_UPSTREAM);
  } catch (error) {
    throw asListenError(error, definition.listen);
  }
}

/** Changes the proxy; a listen address it cannot use is Toxiproxy's 500 listen error. */
export async function updateProxy(
  proxies: ProxyManager,
  info: ProxyInfo,
  changes: Partial<Omit<ProxyDefinition, 'name'>>,
): Promise<ProxyInfo> {
  try {
    return await proxies.update(info.name, changes, LAZY_UPSTREAM);
  } catch (error) {
    throw asListenError(error, changes.listen ?? info.listen);
  }
}
