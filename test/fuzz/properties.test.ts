import { afterAll, describe, expect, it } from 'vitest';
import type { FuzzKeel } from './harness.js';
import { checkCase, type FuzzSettings, installWatchers } from './properties.js';
import type { FuzzRequest } from './requests.js';

// The fuzz properties must be able to fail: each check against a Keel stand-in that breaks it.

const settings: FuzzSettings = { seed: 1, runs: 1, timeLimitMs: undefined, stallMs: 100 };
const watchers = installWatchers();
afterAll(() => watchers.dispose());

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'x-keel-request-id': 'req_1' },
  });
const OPENAI_ERROR = {
  error: { message: 'no', type: 'invalid_request_error', code: 'invalid_request', param: null },
};

function keel(answer: () => Response | Promise<Response>, state: () => string = () => 'same'): FuzzKeel {
  return {
    app: { request: async () => answer() },
    snapshot: async () => state(),
  } as unknown as FuzzKeel;
}

function call(method: string, url: string): FuzzRequest {
  return { route: { method, path: url }, method, url, headers: {}, body: '{}', toolArgs: '{}' };
}

const check = (k: FuzzKeel, req: FuzzRequest) => checkCase(k, watchers, settings, req, new Map());

describe('fuzz properties', () => {
  it('pass a well-formed refusal', async () => {
    await check(
      keel(() => json(400, OPENAI_ERROR)),
      call('POST', '/api/keys'),
    );
  });

  it('fail on a 500, and on an upstream status outside the proxied routes', async () => {
    await expect(
      check(
        keel(() => json(500, OPENAI_ERROR)),
        call('POST', '/api/keys'),
      ),
    ).rejects.toThrow(/answered 500/);
    await check(
      keel(() => json(502, OPENAI_ERROR)),
      call('POST', '/v1/chat/completions'),
    );
    await expect(
      check(
        keel(() => json(502, OPENAI_ERROR)),
        call('GET', '/api/usage'),
      ),
    ).rejects.toThrow(/answered 502/);
  });

  it("fail on an error outside the route's shape", async () => {
    await expect(
      check(
        keel(() => json(400, { message: 'no' })),
        call('POST', '/api/keys'),
      ),
    ).rejects.toThrow(/error shape/);
    // OpenAI's shape where Anthropic's is due
    await expect(
      check(
        keel(() => json(400, OPENAI_ERROR)),
        call('POST', '/v1/messages'),
      ),
    ).rejects.toThrow(/Anthropic/);
  });

  it('fail when a refused call changed state', async () => {
    let n = 0;
    const k = keel(
      () => json(400, OPENAI_ERROR),
      () => `state ${n++}`,
    );
    await expect(check(k, call('PATCH', '/api/keys/k1'))).rejects.toThrow(/changed state/);
  });

  it('fail when a call holds the event loop past the bound', async () => {
    const k = keel(() => {
      const end = performance.now() + 300;
      while (performance.now() < end);
      return json(200, {});
    });
    await expect(check(k, call('GET', '/api/usage'))).rejects.toThrow(/event loop stalled/);
  });

  it('fail on an unhandled rejection during the call', async () => {
    const k = keel(async () => {
      void Promise.reject(new Error('lost'));
      await new Promise((r) => setTimeout(r, 5));
      return json(200, {});
    });
    await expect(check(k, call('GET', '/api/usage'))).rejects.toThrow(/unhandled rejection/);
  });
});
