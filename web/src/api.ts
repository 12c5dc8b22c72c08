// The dashboard's one door to the server: same-origin fetch with the session cookie, and the
// session's CSRF token on every change. Types come from the API (src/server/api-types.ts) only.
import type { ApiErrorBody, Me } from '../../src/server/api-types.js';

export type * from '../../src/server/api-types.js';

let csrf: string | undefined;

/** A refusal of the API, with its code and, for an invalid experiment, the problems at line:col. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: NonNullable<ApiErrorBody['error']['problems']> = [],
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const response = await fetch(`/api/v1${path}`, {
    method,
    credentials: 'same-origin',
    headers: {
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(csrf && method !== 'GET' && { 'x-csrf-token': csrf }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    ...(signal && { signal }),
  });
  const text = await response.text();
  const data = parse(text, response.status);
  if (!response.ok) {
    const error = (data as Partial<ApiErrorBody>).error;
    throw new ApiError(response.status, error?.code ?? 'FD_HTTP', error?.message ?? `HTTP ${response.status}`, error?.problems ?? []);
  }
  return data as T;
}

function parse(text: string, status: number): unknown {
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    throw new ApiError(status, 'FD_HTTP', `the server answered ${status} with something that is not JSON`);
  }
}

export async function login(name: string, password: string): Promise<Me> {
  const answer = await api<{ user: Omit<Me, 'permissions'>; csrf: string }>('POST', '/login', { name, password });
  csrf = answer.csrf;
  sessionStorage.setItem('fd-csrf', answer.csrf);
  return (await me()) ?? { ...answer.user, permissions: [] };
}

export async function logout(): Promise<void> {
  await api('POST', '/logout', {});
  csrf = undefined;
  sessionStorage.removeItem('fd-csrf');
}

/** Who the session is, or undefined when there is none (the login page is shown). */
export async function me(): Promise<Me | undefined> {
  csrf ??= sessionStorage.getItem('fd-csrf') ?? undefined;
  try {
    return (await api<{ user: Me }>('GET', '/me')).user;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined;
    throw error;
  }
}
