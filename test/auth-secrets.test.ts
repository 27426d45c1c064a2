import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { FakeUpstream } from './fakes/index.js';
import { anthropicClient, CLIENT_KEY, obj, openaiClient, standardConfig } from './helpers/fixtures.js';
import { setupGateway } from './helpers/gateway.js';
import { type StartedKeel, TEST_ENV } from './helpers/keel.js';

// With client keys configured, /v1 needs a key; and no secret (provider key, client key) ever shows up in an
// error body or a usage row, even when an upstream echoes it back.

const SECOND_KEY = 'keel-client-key-two-SECRET-5e8f';
const WRONG_KEY = 'keel-wrong-key-SECRET-000000';
const SECRETS = [TEST_ENV.OAI_KEY, TEST_ENV.ANT_KEY, CLIENT_KEY, SECOND_KEY, WRONG_KEY];

let oai: FakeUpstream;
let ant: FakeUpstream;
let keel: StartedKeel;
/** Every response body this file saw, checked for secrets at the end. */
const seen: string[] = [];

setupGateway(
  (up) =>
    standardConfig(up, {
      auth: {
        keys: [
          { name: 'app-one', key: CLIENT_KEY, use_case: 'chatbot', team: 'growth' },
          { name: 'app-two', key: SECOND_KEY },
        ],
      },
    }),
  (g) => {
    ({ oai, ant, keel } = g);
  },
);

async function call(path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(keel.url + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  seen.push(text);
  return {
    status: res.status,
    text,
    body: JSON.parse(text) as unknown,
    requestId: res.headers.get('x-keel-request-id'),
  };
}

const CHAT_BODY = { model: 'gpt-4o', messages: [{ role: 'user', content: 'auth?' }] };
const MSG_BODY = { model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'auth?' }] };

describe('client keys', () => {
  it('missing key → 401 missing_api_key in the OpenAI shape', async () => {
    const r = await call('/v1/chat/completions', {}, CHAT_BODY);
    expect(r.status).toBe(401);
    expect(obj(obj(r.body).error)).toMatchObject({ code: 'missing_api_key', type: 'authentication_error' });
    expect(r.requestId).toBeTruthy();
    expect(oai.requests).toHaveLength(0);
    expect((await call('/v1/models', {})).status).toBe(401);
    // blocked calls are recorded too
    const row = await keel.usageFor(r.requestId);
    expect(row).toMatchObject({ status: 401, errorCode: 'missing_api_key', keyId: null, provider: null });
  });

  it('invalid key → 401 invalid_api_key, and the key is not echoed', async () => {
    const r = await call('/v1/chat/completions', { authorization: `Bearer ${WRONG_KEY}` }, CHAT_BODY);
    expect(r.status).toBe(401);
    expect(obj(obj(r.body).error).code).toBe('invalid_api_key');
    expect(r.text).not.toContain(WRONG_KEY);
    const err = await openaiClient(keel.url, WRONG_KEY)
      .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('missing key on /v1/messages → 401 in the Anthropic shape', async () => {
    const r = await call('/v1/messages', {}, MSG_BODY);
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const err = await anthropicClient(keel.url, WRONG_KEY)
      .messages.create({ model: 'claude', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
  });

  it('accepts Authorization: Bearer and x-api-key', async () => {
    const viaBearer = await openaiClient(keel.url, CLIENT_KEY).chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'bearer' }],
    });
    expect(viaBearer.object).toBe('chat.completion');
    const viaHeader = await call('/v1/chat/completions', { 'x-api-key': SECOND_KEY }, CHAT_BODY);
    expect(viaHeader.status).toBe(200);
    const m = await anthropicClient(keel.url, CLIENT_KEY).messages.create({
      model: 'claude',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(m.type).toBe('message');
    // the client's key is Keel's business only: upstreams get Keel's provider keys
    expect(JSON.stringify(ant.last().headers)).not.toContain(CLIENT_KEY);
    expect(JSON.stringify(oai.last().headers)).not.toContain(SECOND_KEY);
  });

  it('attributes calls to the key and its bound use case / team', async () => {
    const r = await call('/v1/chat/completions', { authorization: `Bearer ${CLIENT_KEY}` }, CHAT_BODY);
    const row = await keel.usageFor(r.requestId);
    expect(row.keyId).toBeTruthy();
    expect(row).toMatchObject({ useCase: 'chatbot', team: 'growth', status: 200 });
    const r2 = await call('/v1/chat/completions', { 'x-api-key': SECOND_KEY }, CHAT_BODY);
    const row2 = await keel.usageFor(r2.requestId);
    expect(row2.keyId).toBeTruthy();
    expect(row2.keyId).not.toBe(row.keyId);
  });

  it('health endpoints need no key', async () => {
    expect((await fetch(`${keel.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${keel.url}/readyz`)).status).toBe(200);
  });
});

describe('secrets never leak', () => {
  const auth = { authorization: `Bearer ${CLIENT_KEY}` };

  it('an upstream 401 that echoes Keel’s provider key', async () => {
    oai.enqueue({ status: 401, message: `Incorrect API key provided: ${TEST_ENV.OAI_KEY}.` });
    const r = await call('/v1/chat/completions', auth, CHAT_BODY);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.text).not.toContain(TEST_ENV.OAI_KEY);
  });

  it('an upstream 400 (passed through to the client) that echoes the provider key', async () => {
    oai.enqueue({ status: 400, message: `Invalid request for key ${TEST_ENV.OAI_KEY}: bad 'temperature'` });
    const r = await call('/v1/chat/completions', auth, CHAT_BODY);
    expect(r.status).toBe(400);
    expect(r.text).not.toContain(TEST_ENV.OAI_KEY);
  });

  it('an Anthropic error that echoes the provider key, on both API shapes', async () => {
    ant.enqueue(
      { status: 400, message: `x-api-key ${TEST_ENV.ANT_KEY} cannot do that` },
      { status: 400, message: `x-api-key ${TEST_ENV.ANT_KEY} cannot do that` },
    );
    const r1 = await call('/v1/messages', auth, MSG_BODY);
    const r2 = await call('/v1/chat/completions', auth, { ...CHAT_BODY, model: 'claude' });
    for (const r of [r1, r2]) {
      expect(r.status).toBe(400);
      expect(r.text).not.toContain(TEST_ENV.ANT_KEY);
    }
  });

  it('no response body and no usage row contains any key', async () => {
    const rows = await keel.usage();
    expect(rows.length).toBeGreaterThan(5);
    const haystack = JSON.stringify(rows) + seen.join('\n');
    for (const s of SECRETS) expect(haystack).not.toContain(s);
  });
});
