import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeUpstream, startFakeAnthropic, startFakeOpenAI } from './fakes/index.js';
import { obj, standardConfig } from './helpers/fixtures.js';
import { type StartedKeel, startKeel, TEST_ENV } from './helpers/keel.js';

// Caller-supplied JSON Schemas cost bounded work: an unsafe one is refused with a 400 before any
// upstream call (nothing billed), and a regex that backtracks for seconds in V8 is matched in
// linear time, so other requests keep being answered while it is validated.

const EVIL = '^(?:.|.|.|.|.|.|.|.|.|.)*X$';

let oai: FakeUpstream;
let ant: FakeUpstream;
let keel: StartedKeel;

beforeAll(async () => {
  oai = await startFakeOpenAI({ apiKey: TEST_ENV.OAI_KEY });
  ant = await startFakeAnthropic({ apiKey: TEST_ENV.ANT_KEY });
  keel = await startKeel(
    standardConfig(
      { openai: oai, anthropic: ant },
      { guards: { policies: { default: { tools: { action: 'block', validate_arguments: true } } } } },
    ),
  );
});
afterAll(async () => {
  await keel?.close();
  await oai?.close();
  await ant?.close();
});
beforeEach(() => {
  oai.reset();
  ant.reset();
});

const tool = (parameters: unknown) => ({ type: 'function', function: { name: 'lookup', parameters } });

function chat(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${keel.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}

async function expectRefusedFree(res: Response, param: string, message: RegExp): Promise<void> {
  const body = obj(await res.json());
  expect(res.status).toBe(400);
  expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request', param });
  expect(String(obj(body.error).message)).toMatch(message);
  const row = await keel.usageFor(res.headers.get('x-keel-request-id'));
  expect(row).toMatchObject({ status: 400, provider: null, inputTokens: 0, outputTokens: 0 });
  expect(row.costUsd ?? 0).toBe(0);
}

describe('caller-supplied JSON Schemas', () => {
  it('a pattern that needs backtracking is a 400 before any upstream call', async () => {
    const res = await chat({
      tools: [tool({ type: 'object', properties: { q: { type: 'string', pattern: '^(a+)\\1$' } } })],
    });
    await expectRefusedFree(res, 'tools[0].function.parameters', /backreferences.*linear time/);
    expect(oai.requests).toHaveLength(0);
  });

  it('a self-referencing schema is a 400 before any upstream call, on both API shapes', async () => {
    await expectRefusedFree(
      await chat({ tools: [tool({ $ref: '#' })] }),
      'tools[0].function.parameters',
      /\$ref cycle/,
    );
    const recursiveDefs = {
      $defs: { a: { $ref: '#/$defs/b' }, b: { $ref: '#/$defs/a' } },
      $ref: '#/$defs/a',
    };
    await expectRefusedFree(
      await chat({
        response_format: { type: 'json_schema', json_schema: { name: 'out', schema: recursiveDefs } },
      }),
      'response_format.json_schema.schema',
      /\$ref cycle/,
    );
    expect(oai.requests).toHaveLength(0);

    const res = await fetch(`${keel.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'hi' }],
        tools: [
          { name: 'lookup', input_schema: { type: 'object', properties: { x: { $ref: '#/properties/x' } } } },
        ],
      }),
    });
    expect(res.status).toBe(400);
    const body = obj(await res.json());
    expect(body.type).toBe('error');
    expect(obj(body.error).type).toBe('invalid_request_error');
    expect(String(obj(body.error).message)).toMatch(/^tools\.0\.input_schema: .*\$ref cycle/);
    expect(ant.requests).toHaveLength(0);
  });

  it('a recursive schema that descends into the value is accepted', async () => {
    const tree = { type: 'object', properties: { child: { $ref: '#' }, name: { type: 'string' } } };
    const res = await chat({ tools: [tool(tree)] });
    expect(res.status).toBe(200);
    await res.body?.cancel();
    expect(oai.requests).toHaveLength(1);
  });

  it('keeps answering other requests while catastrophic patterns are validated', async () => {
    const schema = { type: 'object', properties: { q: { type: 'string', pattern: EVIL } }, required: ['q'] };
    // The model answers with arguments that take V8's backtracking engine seconds per call.
    const args = JSON.stringify({ q: 'a'.repeat(20_000) });
    const N = 12;
    // Warm up: the first schema compile builds ajv's meta-schema validators.
    oai.enqueue({ toolCalls: [{ name: 'lookup', arguments: args }] });
    const warm = await chat({ tools: [tool(schema)] });
    expect(warm.status).toBe(502);
    expect(String(obj(obj(await warm.json()).error).message)).toMatch(/do not match its schema/);

    for (let i = 0; i < N; i++) oai.enqueue({ toolCalls: [{ name: 'lookup', arguments: args }] });
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const healthTimes: number[] = [];
    let done = false;
    const probe = (async () => {
      while (!done) {
        const t0 = performance.now();
        const r = await fetch(`${keel.url}/healthz`);
        await r.body?.cancel();
        healthTimes.push(performance.now() - t0);
      }
    })();
    const unsafe = Array.from({ length: N }, (_, i) =>
      chat({
        tools: [
          tool({ type: 'object', properties: { q: { type: 'string', pattern: `(x${i})\\1${EVIL}` } } }),
        ],
      }),
    );
    const results = await Promise.all([
      ...Array.from({ length: N }, () => chat({ tools: [tool(schema)] })),
      ...unsafe,
    ]);
    done = true;
    await probe;
    delay.disable();
    const statuses = results.map((r) => r.status);
    await Promise.all(results.map((r) => r.body?.cancel()));
    expect(statuses.filter((s) => s === 502)).toHaveLength(N);
    expect(statuses.filter((s) => s === 400)).toHaveLength(N);
    expect(healthTimes.length).toBeGreaterThan(0);
    // Before, each of these validations held the event loop for ~10 s. The bounds leave room for
    // a loaded 2-core machine (the same burst with a trivial pattern peaks near 150 ms there).
    expect(Math.max(...healthTimes)).toBeLessThan(1000);
    expect(delay.max / 1e6).toBeLessThan(500);
  });
});
