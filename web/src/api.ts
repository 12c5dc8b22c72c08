// The dashboard's one door to the server: same-origin fetch with the session cookie, and the
// session's CSRF token on every change. Types only from the API (no server internals).

let csrf: string | undefined;

export interface Me {
  readonly id: string;
  readonly name: string;
  readonly roles: string[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/api/v1${path}`, {
    method,
    credentials: 'same-origin',
    headers: {
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(csrf && method !== 'GET' && { 'x-csrf-token': csrf }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const data = text ? (JSON.parse(text) as unknown) : {};
  if (!response.ok) {
    const error = (data as { error?: { code?: string; message?: string } }).error;
    throw new ApiError(response.status, error?.code ?? 'FD_HTTP', error?.message ?? `HTTP ${response.status}`);
  }
  return data as T;
}

export async function login(name: string, password: string): Promise<Me> {
  const answer = await api<{ user: Me; csrf: string }>('POST', '/login', { name, password });
  csrf = answer.csrf;
  sessionStorage.setItem('fd-csrf', answer.csrf);
  return answer.user;
}

export async function me(): Promise<Me | undefined> {
  csrf ??= sessionStorage.getItem('fd-csrf') ?? undefined;
  try {
    return (await api<{ user: Me }>('GET', '/me')).user;
  } catch {
    return undefined;
  }
}
