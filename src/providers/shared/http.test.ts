import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelSource, fromAbortSignal, NEVER_CANCELLED } from '../../canonical/cancel.js';
import { UpstreamError } from '../types.js';
import {
  createHttpClient,
  extractErrorMessage,
  type HttpClient,
  readJson,
  sanitizeMessage,
  throwForStatus,
} from './http.js';
import { closedPort, type FakeUpstream, sendJson, startFakeUpstream } from './testkit.js';

let up: FakeUpstream;
let http: HttpClient;

beforeAll(async () => {
  up = await startFakeUpstream((_req, res) => sendJson(res, 200, { ok: true }));
  http = createHttpClient({ maxConnections: 4 });
});
afterAll(async () => {
  await http.close();
  await up.close();
});

function post(path: string, signal = NEVER_CANCELLED) {
  return http.request({
    url: up.url + path,
    method: 'POST',
    headers: { 'x-a': '1' },
    body: '{"q":1}',
    signal,
  });
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('createHttpClient', () => {
  it('sends method, headers and body, and reuses the connection', async () => {
    up.handle((_req, res) => sendJson(res, 200, { ok: true }));
    const before = up.requests.length;
    for (let i = 0; i < 3; i++) {
      const res = await post('/x');
      expect(res.status).toBe(200);
      expect(await readJson(res, NEVER_CANCELLED)).toEqual({ ok: true });
      // undici frees the socket a tick after the body ends; back-to-back calls may open a second one.
      await new Promise((r) => setImmediate(r));
    }
    const reqs = up.requests.slice(before);
    expect(reqs[0]).toMatchObject({ method: 'POST', url: '/x', body: '{"q":1}' });
    expect(reqs[0]!.headers['x-a']).toBe('1');
    expect(new Set(reqs.map((r) => r.remotePort)).size).toBe(1);
  });

  it('maps a refused connection to kind "connection"', async () => {
    const port = await closedPort();
    const err = await caught(
      http.request({
        url: `http://127.0.0.1:${port}/`,
        method: 'GET',
        headers: {},
        signal: NEVER_CANCELLED,
      }),
    );
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('connection');
    expect((err as UpstreamError).retryable).toBe(true);
  });

  it('maps an abort whose reason is a TimeoutError to kind "timeout"', async () => {
    up.handle(() => {
      // never answers
    });
    const err = await caught(post('/slow', fromAbortSignal(AbortSignal.timeout(50))));
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('timeout');
  });

  it('does not send a request whose signal is already aborted', async () => {
    const before = up.requests.length;
    const gone = new Error('client gone');
    const ac = new AbortController();
    ac.abort(gone);
    expect(await caught(post('/never', fromAbortSignal(ac.signal)))).toBe(gone);
    const timedOut = new CancelSource();
    timedOut.abort(new DOMException('deadline', 'TimeoutError'));
    expect(((await caught(post('/never', timedOut))) as UpstreamError).kind).toBe('timeout');
    expect(up.requests.length).toBe(before);
  });

  it('rethrows other aborts unchanged (the client went away)', async () => {
    up.handle(() => {});
    const ac = new AbortController();
    const reason = new Error('client gone');
    setTimeout(() => ac.abort(reason), 20);
    const err = await caught(post('/slow', fromAbortSignal(ac.signal)));
    expect(err).toBe(reason);
  });

  it('reads a body larger than the pause threshold whole, and the connection stays usable', async () => {
    const big = { data: 'x'.repeat(3_000_000) };
    up.handle((_req, res) => sendJson(res, 200, big));
    const res = await post('/big');
    expect(await readJson(res, NEVER_CANCELLED)).toEqual(big);
    up.handle((_req, res) => sendJson(res, 200, { ok: true }));
    expect(await readJson(await post('/x'), NEVER_CANCELLED)).toEqual({ ok: true });
  });

  it('streams a large body to a slow reader chunk by chunk without losing bytes', async () => {
    const total = 2_000_000;
    up.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      // Many writes, so the body arrives faster than the reader below takes it.
      for (let i = 0; i < 100; i++) res.write(Buffer.alloc(total / 100, i));
      res.end();
    });
    const res = await post('/stream');
    let received = 0;
    let chunks = 0;
    for await (const chunk of res.body) {
      received += chunk.byteLength;
      if (++chunks % 10 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    expect(received).toBe(total);
  });

  it('aborts mid-body when the signal aborts, failing the reader with the reason', async () => {
    up.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      // ...and never finishes
    });
    const ac = new AbortController();
    const res = await post('/sse', fromAbortSignal(ac.signal));
    const it = res.body[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    const reason = new Error('client gone');
    setTimeout(() => ac.abort(reason), 10);
    await expect(it.next()).rejects.toBe(reason);
  });

  it('leaving a for-await loop early closes the exchange', async () => {
    let closed!: Promise<void>;
    up.handle((_req, res) => {
      closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      // ...and never finishes: only the client closing ends it
    });
    const res = await post('/sse');
    for await (const _chunk of res.body) break;
    await closed;
  });

  it('reports a garbage 2xx body as invalid_response', async () => {
    up.handle((_req, res) => sendJson(res, 200, '<html>oops</html>'));
    const res = await post('/x');
    const err = await caught(readJson(res, NEVER_CANCELLED));
    expect((err as UpstreamError).kind).toBe('invalid_response');
  });
});

describe('throwForStatus', () => {
  it('parses retry-after seconds and the provider message on 429', async () => {
    up.handle((_req, res) =>
      sendJson(
        res,
        429,
        { error: { message: 'Rate limit reached', type: 'requests' } },
        { 'retry-after': '7' },
      ),
    );
    const err = (await caught(post('/x').then((r) => throwForStatus(r)))) as UpstreamError;
    expect(err.kind).toBe('rate_limit');
    expect(err.status).toBe(429);
    expect(err.retryAfter).toBe(7);
    expect(err.upstreamMessage).toBe('Rate limit reached');
  });

  it('prefers retry-after-ms', async () => {
    up.handle((_req, res) =>
      sendJson(res, 429, { error: { message: 'slow down' } }, { 'retry-after-ms': '1500' }),
    );
    const err = (await caught(post('/x').then((r) => throwForStatus(r)))) as UpstreamError;
    expect(err.retryAfter).toBe(1.5);
  });

  it('classifies statuses and keeps HTML out of the message', async () => {
    const cases: [number, string][] = [
      [500, 'server'],
      [503, 'server'],
      [400, 'bad_request'],
      [401, 'auth'],
      [404, 'not_found'],
      [302, 'invalid_response'],
    ];
    for (const [status, kind] of cases) {
      up.handle((_req, res) => {
        res.writeHead(status, { 'content-type': 'text/html' });
        res.end('<html><body>Bad Gateway</body></html>');
      });
      const err = (await caught(
        post('/x').then((r) => throwForStatus(r, { label: 'provider "p"' })),
      )) as UpstreamError;
      expect(err.kind).toBe(kind);
      expect(err.upstreamMessage).toBeUndefined();
      expect(err.message).toBe(`provider "p" returned HTTP ${status}`);
    }
  });

  it('scrubs secrets and key-like strings and bounds the length', async () => {
    const secret = 'my-very-secret-key-123';
    up.handle((_req, res) =>
      sendJson(res, 401, {
        error: {
          message: `Incorrect API key provided: ${secret}. Also sk-proj-abcdefghijklmnop. ${'x'.repeat(2000)}`,
        },
      }),
    );
    const err = (await caught(
      post('/x').then((r) => throwForStatus(r, { secrets: [secret] })),
    )) as UpstreamError;
    expect(err.kind).toBe('auth');
    expect(err.upstreamMessage).not.toContain(secret);
    expect(err.message).not.toContain(secret);
    expect(err.upstreamMessage).not.toContain('abcdefghijklmnop');
    expect(err.upstreamMessage!.length).toBeLessThanOrEqual(501);
  });

  it('reads only a bounded prefix of a huge error body', async () => {
    up.handle((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('e'.repeat(2_000_000));
    });
    const err = (await caught(post('/x').then((r) => throwForStatus(r)))) as UpstreamError;
    expect(err.kind).toBe('server');
    expect(err.upstreamMessage!.length).toBeLessThanOrEqual(501);
  });
});

describe('extractErrorMessage / sanitizeMessage', () => {
  it('understands the common error body shapes', () => {
    expect(extractErrorMessage({ error: { message: 'a' } })).toBe('a');
    expect(extractErrorMessage({ error: 'b' })).toBe('b');
    expect(extractErrorMessage({ message: 'c' })).toBe('c');
    expect(extractErrorMessage({ detail: 'd' })).toBe('d');
    expect(extractErrorMessage({ detail: [{ msg: 'e' }] })).toBe('e');
    expect(extractErrorMessage([{ error: { message: 'f' } }])).toBe('f');
    expect(extractErrorMessage(42)).toBeUndefined();
  });

  it('masks bearer tokens', () => {
    expect(sanitizeMessage('header was Bearer abc.def-123456')).toBe('header was Bearer ***');
  });
});
