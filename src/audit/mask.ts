/**
 * Defence in depth for audit details: callers mask secrets already, but an entry is permanent and
 * chained (it cannot be scrubbed later without breaking verification), so the log masks again before
 * hashing. Values under secret-looking keys and anything shaped like a known credential keep only a
 * short prefix and '…'. Strings are also capped so a hostile request cannot bloat the log.
 */

const MAX_STRING = 2048;
const MAX_ARRAY = 1000;
const MAX_DEPTH = 12;
const ELLIPSIS = '…';

/**
 * Credential shapes, found anywhere inside a string. Group 1 is the scheme prefix kept in the mask.
 * Keel keys and admin tokens first so their own prefix is kept rather than plain `sk-`.
 */
const CREDENTIAL =
  /\b(sk-keel-|keel-admin-|sk-ant-(?:[a-z]{2,10}\d{0,3}-)?|sk-(?:proj-|svcacct-|admin-)?)([A-Za-z0-9_-]{20,})|\b(AIza)([0-9A-Za-z_-]{30,})|\b(gh[pousr]_|github_pat_)([A-Za-z0-9_]{30,})|\b(xox[abprs]-)([A-Za-z0-9-]{10,})|\b(AKIA)([0-9A-Z]{16})\b/g;

/** A scheme prefix at the start of a secret value, kept when masking it. */
const VALUE_PREFIX =
  /^(?:(?:bearer|basic|token)\s+)?(?:sk-keel-|keel-admin-|sk-ant-(?:[a-z]{2,10}\d{0,3}-)?|sk-(?:proj-|svcacct-|admin-)?|AIza|gh[pousr]_|github_pat_|xox[abprs]-|AKIA)?/i;

/** Last word of a key name that makes its value secret: api_key, x-api-key, apiKey, access_token … */
const SECRET_LAST = new Set([
  'key',
  'apikey',
  'token',
  'secret',
  'password',
  'passwd',
  'passphrase',
  'authorization',
  'credential',
  'credentials',
  'cookie',
  'bearer',
  'privatekey',
  'accesskey',
]);
/** Words that make a value secret wherever they appear in the name (client_secret_value, password_new) … */
const SECRET_ANY = new Set([
  'secret',
  'secrets',
  'password',
  'passwords',
  'passwd',
  'passphrase',
  'authorization',
  'credential',
  'credentials',
]);
/** … unless the name ends in a word that says the value is only about the secret. */
const SAFE_LAST = new Set([
  'id',
  'ids',
  'prefix',
  'hint',
  'name',
  'names',
  'hash',
  'set',
  'count',
  'at',
  'length',
]);

const secretNameCache = new Map<string, boolean>();
const CACHE_LIMIT = 2000;

export function isSecretKeyName(name: string): boolean {
  const cached = secretNameCache.get(name);
  if (cached !== undefined) return cached;
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
  const last = words[words.length - 1] ?? '';
  const secret = SECRET_LAST.has(last) || (!SAFE_LAST.has(last) && words.some((w) => SECRET_ANY.has(w)));
  if (secretNameCache.size < CACHE_LIMIT) secretNameCache.set(name, secret);
  return secret;
}

function keep(rest: string): string {
  return rest.length >= 16 ? rest.slice(0, 4) : '';
}

/** Replace every credential-shaped substring by its scheme prefix, four characters and '…'. */
export function maskString(s: string): string {
  if (s.length < 14) return s;
  return s.replace(CREDENTIAL, (_m, ...g: Array<string | undefined>) => {
    for (let i = 0; i < 10; i += 2) {
      const rest = g[i + 1];
      if (rest !== undefined) return `${g[i] ?? ''}${rest.slice(0, 4)}${ELLIPSIS}`;
    }
    return ELLIPSIS;
  });
}

/** A value known to be secret: its scheme prefix (sk-keel-, Bearer …) and at most four characters. */
export function maskSecretValue(s: string): string {
  if (s === '') return s;
  // Already masked (by the caller or an earlier pass): masking again would only lose the hint.
  if (s.endsWith(ELLIPSIS) && s.length <= 24) return s;
  const prefix = VALUE_PREFIX.exec(s)?.[0] ?? '';
  return `${prefix}${keep(s.slice(prefix.length))}${ELLIPSIS}`;
}

function cap(s: string): string {
  return s.length > MAX_STRING ? `${s.slice(0, MAX_STRING)}${ELLIPSIS}[+${s.length - MAX_STRING} chars]` : s;
}

/**
 * A masked, size-capped, plain-JSON copy of `details`, ready for canonicalJson. The copy also
 * snapshots the caller's object, which may be mutated after append() returns.
 */
export function maskDetails(details: Record<string, unknown> | undefined): Record<string, unknown> {
  if (details === undefined || details === null) return {};
  const out = sanitize(details, false, 0);
  return out !== null && typeof out === 'object' && !Array.isArray(out)
    ? (out as Record<string, unknown>)
    : { value: out };
}

function sanitize(v: unknown, secret: boolean, depth: number): unknown {
  switch (typeof v) {
    case 'string':
      return cap(secret ? maskSecretValue(v) : maskString(v));
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'boolean':
      return v;
    case 'bigint':
      return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    case 'object':
      break;
    default:
      return undefined;
  }
  if (v === null) return null;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (v instanceof Error) return { name: v.name, message: cap(maskString(v.message)) };
  const withToJson = v as { toJSON?: unknown };
  if (typeof withToJson.toJSON === 'function')
    return sanitize((withToJson.toJSON as () => unknown)(), secret, depth + 1);
  if (Array.isArray(v)) {
    const n = Math.min(v.length, MAX_ARRAY);
    const arr: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const x = sanitize(v[i], secret, depth + 1);
      arr[i] = x === undefined ? null : x;
    }
    if (v.length > MAX_ARRAY) arr.push(`${ELLIPSIS}[+${v.length - MAX_ARRAY} items]`);
    return arr;
  }
  // Null prototype: a hostile "__proto__" key stays data instead of replacing the prototype.
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const value = sanitize(x, secret || isSecretKeyName(k), depth + 1);
    if (value !== undefined) out[cap(maskString(k))] = value;
  }
  return out;
}
