/** Keel's error body, read defensively: whatever answered may not be Keel. */
interface KeelErrorBody {
  error?: { message?: string; code?: string | null; param?: string | null; type?: string };
}

/** An admin API refusal or failure, with Keel's error code when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The route does not exist in this Keel (a feature not built or not enabled), not "no such id". */
  get routeMissing(): boolean {
    return this.code === 'route_not_found';
  }
}

export interface Api {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  del<T>(path: string): Promise<T>;
}

/** The readable companion of the HttpOnly session cookie: the session's CSRF token, echoed on changes. */
const CSRF_COOKIE = 'keel_csrf';

function csrfToken(): string | null {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === CSRF_COOKIE) return decodeURIComponent(v.join('='));
  }
  return null;
}

/** Whether this browser holds a Command Room session from single sign-on (its cookie is HttpOnly). */
export function hasSsoSession(): boolean {
  return csrfToken() !== null;
}

/**
 * How a request authenticates: a bearer token (null: the SSO session cookie, with the CSRF token on
 * anything but a GET).
 */
function authHeaders(token: string | null, method: string): Record<string, string> {
  if (token !== null) return { authorization: `Bearer ${token}` };
  const csrf = method === 'GET' ? null : csrfToken();
  return csrf ? { 'x-keel-csrf': csrf } : {};
}

/**
 * The admin API with one bearer token, or (token null) with the session cookie single sign-on set.
 * A token lives in sessionStorage (see App.tsx), is sent only to this origin's /api, and a 401 signs
 * the user out (token revoked, session ended, or Keel restarted with another bootstrap token).
 */
export function createApi(token: string | null, onUnauthorized: (message: string) => void): Api {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { ...authHeaders(token, method), accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`/api${path}`, {
        method,
        headers,
        credentials: token === null ? 'same-origin' : 'omit',
        cache: 'no-store',
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch {
      throw new ApiError(0, 'Keel did not answer. Is it still running?');
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!res.ok) {
      const err = (json as KeelErrorBody | null)?.error;
      const e = new ApiError(
        res.status,
        err?.message ?? `${method} /api${path} failed with HTTP ${res.status}`,
        err?.code ?? null,
        err?.param ?? null,
      );
      if (res.status === 401) onUnauthorized(e.message);
      throw e;
    }
    return json as T;
  }
  return {
    get: (p) => call('GET', p),
    post: (p, b) => call('POST', p, b),
    patch: (p, b) => call('PATCH', p, b),
    del: (p) => call('DELETE', p),
  };
}

/** Sign-in check: who the token (null: the SSO session cookie) belongs to. */
export async function whoami(
  token: string | null,
): Promise<{ ok: true; body: unknown } | { ok: false; message: string }> {
  try {
    const res = await fetch('/api/whoami', {
      headers: { ...authHeaders(token, 'GET'), accept: 'application/json' },
      credentials: token === null ? 'same-origin' : 'omit',
      cache: 'no-store',
    });
    const json = (await res.json().catch(() => null)) as KeelErrorBody | null;
    if (!res.ok)
      return { ok: false, message: json?.error?.message ?? `Sign-in failed (HTTP ${res.status}).` };
    return { ok: true, body: json };
  } catch {
    return { ok: false, message: 'Keel did not answer. Is it running?' };
  }
}

/** Whether this Keel offers single sign-on, and where it starts. */
export async function ssoInfo(): Promise<{ sso: boolean; login_url?: string }> {
  try {
    const res = await fetch('/auth/info', { credentials: 'omit', cache: 'no-store' });
    return res.ok ? ((await res.json()) as { sso: boolean; login_url?: string }) : { sso: false };
  } catch {
    return { sso: false };
  }
}

/** End the SSO session on the server; its cookies are cleared by the answer. */
export async function ssoSignOut(): Promise<void> {
  try {
    await fetch('/auth/logout', {
      method: 'POST',
      headers: authHeaders(null, 'POST'),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    // Keel unreachable: the session ends on the server at its expiry.
  }
}
