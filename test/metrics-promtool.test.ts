import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfigInput } from '../src/config/defaults.js';
import { type StartedKeel, startKeel } from './helpers/keel.js';

/**
 * /metrics must pass `promtool check metrics` (Prometheus' own parser and linter), from Debian's
 * `prometheus` package. In CI a missing promtool is a failure, not a skip: the check is the point.
 */
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const havePromtool = spawnSync(PROMTOOL, ['--version'], { stdio: 'ignore' }).status === 0;
const inCI = process.env.CI === 'true' || process.env.CI === '1';

function promtoolCheck(body: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(body);
  });
}

let keel: StartedKeel;

beforeAll(async () => {
  const config = defaultConfigInput();
  for (const p of config.providers ?? [])
    if (p.simulator) p.simulator = { ...p.simulator, latency_ms: 1, tokens_per_second: 0 };
  // Only configured models and declared use cases become labels; others are counted under "other".
  // A configured model whose name needs escaping in the exposition format.
  const fast = config.models?.find((m) => m.name === 'chat-fast');
  const models = [...(config.models ?? []), { ...fast, name: 'we"ird\\model\nname', fallbacks: [] }];
  keel = await startKeel({
    ...config,
    models,
    use_cases: [{ id: 'support-bot' }, { id: 'sales' }],
  } as Record<string, unknown>);
});

afterAll(async () => {
  await keel?.close();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(`${keel.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res;
}

/** The exposition Keel serves at /metrics. */
async function scrape(): Promise<{ body: string; contentType: string | null; source: string }> {
  const res = await fetch(`${keel.url}/metrics`);
  expect(res.status).toBe(200);
  return { body: await res.text(), contentType: res.headers.get('content-type'), source: 'app' };
}

describe('GET /metrics', () => {
  if (!havePromtool && inCI)
    it('has promtool available in CI', () => {
      throw new Error(
        `promtool not found (tried "${PROMTOOL}"). Install it: apt-get update && apt-get install -y --no-install-recommends prometheus`,
      );
    });

  it.skipIf(!havePromtool)('passes `promtool check metrics` after real traffic', async () => {
    const chat = (model: string, extra: Record<string, unknown> = {}) => ({
      model,
      messages: [{ role: 'user', content: 'Summarise our refund policy in one line.' }],
      ...extra,
    });
    expect(
      (await post('/v1/chat/completions', chat('chat-fast'), { 'x-keel-use-case': 'support-bot' })).status,
    ).toBe(200);
    expect(
      (
        await post('/v1/chat/completions', chat('chat-smart', { max_tokens: 20 }), {
          'x-keel-use-case': 'sales',
        })
      ).status,
    ).toBe(200);
    const stream = chat('chat-fast', { stream: true, stream_options: { include_usage: true } });
    expect((await post('/v1/chat/completions', stream, { 'x-keel-use-case': 'support-bot' })).status).toBe(
      200,
    );
    expect(
      (await post('/v1/embeddings', { model: 'embed-small', input: ['refunds', 'returns'] })).status,
    ).toBe(200);
    const messages = {
      model: 'claude-sonnet',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Hello' }],
    };
    expect((await post('/v1/messages', messages)).status).toBe(200);
    // Label values that need escaping in the exposition format.
    expect((await post('/v1/chat/completions', chat('we"ird\\model\nname'))).status).toBe(200);
    expect((await post('/v1/chat/completions', chat('no-such-model'))).status).toBe(404);
    expect((await post('/v1/chat/completions', '{not json')).status).toBe(400);

    const { body, contentType, source } = await scrape();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toMatch(
      /^keel_requests_total\{model="chat-fast",provider="simulator",use_case="support-bot",endpoint="chat",status_class="2xx"\} 2$/m,
    );
    expect(body).toMatch(
      /^keel_requests_total\{model="chat-smart",provider="simulator",use_case="sales",endpoint="chat",status_class="2xx"\} 1$/m,
    );
    expect(body).toMatch(
      /^keel_requests_total\{model="embed-small",[^}]*endpoint="embeddings",status_class="2xx"\} 1$/m,
    );
    expect(body).toMatch(
      /^keel_requests_total\{model="claude-sonnet",[^}]*endpoint="messages",status_class="2xx"\} 1$/m,
    );
    expect(body).toContain('model="we\\"ird\\\\model\\nname"');
    expect(body).toMatch(
      /^keel_tokens_total\{model="chat-fast",use_case="support-bot",kind="output"\} [1-9]\d*$/m,
    );
    expect(body).toMatch(/^keel_cost_usd_total\{model="chat-smart",use_case="sales"\} 0\.0\d+/m);
    expect(body).toMatch(/^keel_request_duration_seconds_count\{model="chat-fast",endpoint="chat"\} 2$/m);
    expect(body).toMatch(
      /^keel_time_to_first_token_seconds_count\{model="chat-fast",endpoint="chat"\} [12]$/m,
    );
    expect(body).toContain('# TYPE keel_guard_decisions_total counter');
    expect(body).toContain('# TYPE keel_usage_writer_buffered_events gauge');

    const check = await promtoolCheck(body);
    expect({ source, code: check.code, output: check.output }).toEqual({ source, code: 0, output: '' });
  });
});
