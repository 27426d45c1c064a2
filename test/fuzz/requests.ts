import fc from 'fast-check';
import { ADMIN_TOKEN, CLIENT_KEY } from './harness.js';
import { toolArguments } from './schemas.js';
import { type Known, QUERY_NAMES, templates } from './templates.js';
import { Entries, hostileValue, type JValue, jsonText, key, nastyString, notJson, Raw } from './values.js';

export interface Route {
  method: string;
  path: string;
}

export interface FuzzRequest {
  route: Route;
  method: string;
  /** Path and query string as sent. */
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Arguments of the tool call the fake model answers with, when the call offers tools. */
  toolArgs: string;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

/** Percent-encodes anything, lone surrogates included (as the bytes a naive encoder would send). */
function encodeSegment(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...s]
      .map((ch) => (ch.length === 1 && /[\uD800-\uDFFF]/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch)))
      .join('');
  }
}

/** Header values must be ByteStrings without CR, LF or NUL; keep what a client could really send. */
const headerSafe = (s: string) =>
  [...s]
    .map((ch) => {
      const c = ch.charCodeAt(0);
      return ch.length === 1 && c >= 0x20 && c <= 0xff && c !== 0x7f ? ch : '';
    })
    .join('')
    .trim()
    .slice(0, 2000);

const segment = (known: Known): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(known.keyId, known.adminId, known.useCase, known.prompt, 'faq', '1'),
    },
    { weight: 3, arbitrary: nastyString.map((s) => encodeSegment(s.slice(0, 300))) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('%', '%zz', '%00', '..', '%2e%2e', '%2F', '%C0%AF', '%ED%A0%80', '%FF'),
    },
  );

function pathFor(route: Route, known: Known): fc.Arbitrary<string> {
  const parts = route.path.split('/');
  return fc
    .tuple(
      ...parts.map((p) =>
        p.startsWith(':')
          ? segment(known)
          : p === '*'
            ? fc.array(segment(known), { minLength: 1, maxLength: 3 }).map((a) => a.join('/'))
            : fc.constant(p),
      ),
    )
    .map((a) => a.join('/'));
}

const query: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...QUERY_NAMES) }, { weight: 1, arbitrary: key }),
      fc.oneof(
        fc.constantFrom(
          '1',
          '0',
          '-1',
          '1e400',
          'NaN',
          'true',
          '2026-01-01',
          '2026-13-45T99:99',
          '',
          'gpt-4o',
          'support',
        ),
        nastyString.map((s) => s.slice(0, 500)),
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) =>
    pairs.length ? `?${pairs.map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`).join('&')}` : '',
  );

const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      'text/plain',
      'APPLICATION/JSON',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      'text/csv',
      'application/x-ndjson',
      'application/json, text/plain',
      'application/json;;;;',
      'ø/ø',
    ),
  },
);

const keelHeaders = fc.dictionary(
  fc.constantFrom(
    'x-keel-use-case',
    'x-keel-user',
    'x-keel-team',
    'x-keel-feature',
    'x-keel-trace-id',
    'idempotency-key',
    'x-forwarded-for',
    'if-none-match',
    'anthropic-version',
    'accept',
  ),
  nastyString.map(headerSafe),
  { maxKeys: 3 },
);

function authorization(route: Route): fc.Arbitrary<string | undefined> {
  const good = route.path.startsWith('/api/') ? ADMIN_TOKEN : CLIENT_KEY;
  return fc.oneof(
    { weight: 40, arbitrary: fc.constant(`Bearer ${good}`) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'Bearer',
        'Bearer ',
        `Basic ${good}`,
        `Bearer ${good}x`,
        `bearer ${good}`,
        `Bearer ${CLIENT_KEY}`,
      ),
    },
    { weight: 1, arbitrary: nastyString.map((s) => `Bearer ${headerSafe(s)}`) },
  );
}

/** Replace, drop or add at a random place in the template: the value stays mostly valid, one spot is not. */
function mutate(
  v: JValue,
  path: number[],
  op: { kind: 'replace' | 'drop' | 'add'; key: string; value: JValue },
): JValue {
  if (path.length === 0 || !(v instanceof Entries || Array.isArray(v))) {
    if (op.kind === 'add' && v instanceof Entries) return new Entries([...v.entries, [op.key, op.value]]);
    return op.kind === 'replace' ? op.value : v;
  }
  const [head = 0, ...rest] = path;
  if (v instanceof Entries) {
    if (v.entries.length === 0) return new Entries([[op.key, op.value]]);
    const i = head % v.entries.length;
    if (rest.length === 0 && op.kind === 'drop') return new Entries(v.entries.filter((_, j) => j !== i));
    return new Entries(v.entries.map(([k, x], j) => [k, j === i ? mutate(x, rest, op) : x] as const));
  }
  if (v.length === 0) return [op.value];
  const i = head % v.length;
  if (rest.length === 0 && op.kind === 'drop') return v.filter((_, j) => j !== i);
  return v.map((x, j) => (j === i ? mutate(x, rest, op) : x));
}

const mutation = fc.record({
  path: fc.array(fc.nat(), { maxLength: 5 }),
  kind: fc.constantFrom('replace', 'replace', 'drop', 'add') as fc.Arbitrary<'replace' | 'drop' | 'add'>,
  key,
  value: hostileValue,
});

function bodyFor(route: Route, template: fc.Arbitrary<JValue> | undefined): fc.Arbitrary<string | undefined> {
  const text = (a: fc.Arbitrary<JValue>) => a.map(jsonText);
  const mutated = template
    ? fc
        .tuple(template, fc.array(mutation, { minLength: 0, maxLength: 3 }))
        .map(([t, ms]) => ms.reduce((v, m) => mutate(v, m.path, m), t))
    : hostileValue;
  const garbage = fc.oneof(
    fc.constantFrom(
      '',
      ' ',
      '\uFEFF{}',
      '{',
      '}',
      '{"a":1}{"b":2}',
      'null',
      '"x"',
      '[]',
      '\u0000',
      '{"a":"\\ud800"}',
      '{"a":"\\u0000"}',
    ),
    notJson.map((r) => r.text),
    template ? template.map((t) => jsonText(t).slice(0, -1)) : fc.constant('{"a":'),
    fc.string({ unit: 'binary', maxLength: 200 }),
  );
  const withBody = fc.oneof(
    { weight: 8, arbitrary: text(mutated) },
    { weight: 2, arbitrary: text(hostileValue) },
    { weight: 1, arbitrary: text(fc.constant(new Raw('1e400'))) },
    { weight: 2, arbitrary: garbage },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  if (route.method === 'GET' || route.method === 'DELETE')
    return fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: withBody });
  return withBody;
}

/** One generated call to `route`: mostly its own method, path params filled in, a hostile body. */
export function requestFor(route: Route, known: Known): fc.Arbitrary<FuzzRequest> {
  const template = templates(known)[`${route.method} ${route.path}`];
  return fc
    .record({
      method: fc.oneof(
        { weight: 19, arbitrary: fc.constant(route.method) },
        { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
      ),
      path: pathFor(route, known),
      query: fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 1, arbitrary: query }),
      auth: authorization(route),
      contentType,
      extra: keelHeaders,
      body: bodyFor(route, template),
      toolArgs: toolArguments,
    })
    .map((r) => {
      const headers: Record<string, string> = { ...r.extra };
      if (r.auth !== undefined) headers.authorization = r.auth;
      if (r.body !== undefined && r.contentType) headers['content-type'] = r.contentType;
      // GET and HEAD cannot carry a body in the Fetch API; the server never sees one from a real client either.
      const body = r.method === 'GET' || r.method === 'HEAD' ? undefined : r.body;
      return {
        // fast-check prints counterexamples with this: keep megabyte bodies out of the report.
        [fc.toStringMethod]: () =>
          describeRequest({
            method: r.method,
            url: r.path + r.query,
            headers,
            ...(body !== undefined ? { body } : {}),
          }),
        route,
        method: r.method,
        url: r.path + r.query,
        headers,
        toolArgs: r.toolArgs,
        ...(body !== undefined ? { body } : {}),
      };
    });
}

/** A short, pasteable description of a call (bodies cut at 600 characters). */
export function describeRequest(req: Pick<FuzzRequest, 'method' | 'url' | 'headers' | 'body'>): string {
  const b = req.body;
  const body =
    b === undefined
      ? '(none)'
      : `${JSON.stringify(b.slice(0, 600))}${b.length > 600 ? ` … (${b.length} chars)` : ''}`;
  return `${req.method} ${req.url.slice(0, 300)}\n  headers: ${JSON.stringify(req.headers).slice(0, 400)}\n  body: ${body}`;
}
