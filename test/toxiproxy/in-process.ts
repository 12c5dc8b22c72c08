import type { Hono } from 'hono';
import { afterEach, beforeEach } from 'vitest';
import { ProxyRegistry } from '../../src/proxy/registry.js';
import { createToxiproxyApp } from '../../src/toxiproxy/index.js';
import type { ToxicHooks } from '../../src/toxiproxy/index.js';
import { Ports } from './ports.js';

/** What one in-process request to the Toxiproxy API answered. */
export interface Answer {
  readonly status: number;
  readonly json: unknown;
  readonly text: string;
  readonly headers: Headers;
  readonly type: string | null;
}

/** One request through `app.request()` (no socket); the body is JSON unless a string is given. */
export async function callApp(
  app: ReturnType<typeof createToxiproxyApp>,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await app.request(path, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers, type: response.headers.get('content-type') };
}

/** The API of one test, in-process, over a real ProxyRegistry whose proxies listen on 127.0.0.1. */
export interface ApiUnderTest {
  readonly proxies: ProxyRegistry;
  /** `add <proxy>/<toxic>` and `remove <proxy>/<toxic>`, in the order the hooks heard them. */
  readonly events: string[];
  /** Read at each request: a test may swap a hook. */
  readonly hooks: ToxicHooks;
  /** Ports held by real listeners for this test. */
  readonly ports: Ports;
  app: Hono;
  readonly call: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Answer>;
}

/**
 * Registers beforeEach/afterEach hooks that give every test a fresh API over a fresh real
 * registry, and close that registry and the ports it held afterwards. `headers` go with every
 * request (a test's own override them).
 */
export function apiOverRealProxies(options: { version?: string; headers?: Record<string, string> } = {}): ApiUnderTest {
  let current: ApiUnderTest | undefined;
  const now = (): ApiUnderTest => {
    if (!current) throw new Error('the API exists only inside a test');
    return current;
  };
  beforeEach(() => {
    const proxies = new ProxyRegistry();
    const events: string[] = [];
    const hooks: ToxicHooks = {
      beforeAdd: (proxy, spec) => void events.push(`add ${proxy}/${spec.id}`),
      afterRemove: (proxy, id) => void events.push(`remove ${proxy}/${id}`),
    };
    const app = createToxiproxyApp({ proxies, hooks, ...(options.version !== undefined && { version: options.version }) });
    const test: ApiUnderTest = {
      proxies,
      events,
      hooks,
      ports: new Ports(),
      app,
      call: (method, path, body, headers = {}) => callApp(test.app, method, path, body, { ...options.headers, ...headers }),
    };
    current = test;
  });
  afterEach(async () => {
    const api = now();
    current = undefined;
    await api.proxies.close();
    await api.ports.release();
  });
  return {
    get proxies() {
      return now().proxies;
    },
    get events() {
      return now().events;
    },
    get hooks() {
      return now().hooks;
    },
    get ports() {
      return now().ports;
    },
    get app() {
      return now().app;
    },
    set app(app: Hono) {
      now().app = app;
    },
    call: (method, path, body, headers) => now().call(method, path, body, headers),
  };
}
