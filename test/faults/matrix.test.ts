import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { UsageEvent } from '../../src/store/types.js';
import { FAULT_NAMES, FAULTS, type FaultName } from '../fakes/faults.js';
import type { FakeUpstream } from '../fakes/index.js';
import { setupGateway } from '../helpers/gateway.js';
import { eventually, type StartedKeel } from '../helpers/keel.js';
import { expectNoInternals, faultsConfig, parseSse, streamError, streamText } from './harness.js';

// Every upstream fault × streaming or not × OpenAI or Anthropic (client API shape and upstream wire
// alike), with and without a fallback: what the caller gets, what the usage row says, how many
// upstream calls were made. The expected behaviour per fault is the table in docs/api.md (Upstream faults).

type Family = 'openai' | 'anthropic';
type Kind = 'answer' | 'estimated' | 'retried' | 'moved_on' | 'interrupted';
interface Expected {
  kind: Kind;
  code?: string;
  status?: number;
  /** Interrupted streams: the upstream reported usage before it cut, so the row is not an estimate. */
  reported?: boolean;
}

const retried = (code: string, status: number): Expected => ({ kind: 'retried', code, status });
const movedOn: Expected = { kind: 'moved_on', code: 'upstream_invalid_response', status: 502 };

function expected(fault: FaultName, stream: boolean, family: Family): Expected {
  switch (fault) {
    case 'drip':
      return { kind: 'answer' };
    case 'usage_negative':
    case 'usage_nan':
    case 'usage_billions':
      return { kind: 'estimated' };
    case 'late_first_byte':
      return retried('upstream_timeout', 504);
    case 'stall':
      return stream ? { kind: 'interrupted' } : retried('upstream_timeout', 504);
    case 'reset_before_headers':
    case 'reset_mid_body':
      return retried('upstream_unavailable', 503);
    case 'reset_mid_stream':
      return stream ? { kind: 'interrupted' } : retried('upstream_unavailable', 503);
    case 'rate_limited':
      return retried('upstream_rate_limited', 429);
    case 'server_error':
    case 'overloaded':
      return retried('upstream_error', 502);
    case 'invalid_json':
    case 'wrong_shape':
      return movedOn;
    case 'truncated':
      return stream ? { kind: 'interrupted', reported: family === 'openai' } : movedOn;
  }
}

interface Outcome {
  status: number;
  text: string;
  /** The error in the client's shape: OpenAI `error` object, or Anthropic `error` object. */
  error: Record<string, unknown> | undefined;
  requestId: string | null;
  retryAfter: string | null;
  /** Everything the client received, for the no-internals check. */
  raw: string;
}

let oai: FakeUpstream;
let ant: FakeUpstream;
let keel: StartedKeel;
let openai: OpenAI;
let anthropic: Anthropic;

setupGateway(faultsConfig, (g) => ({ oai, ant, keel, openai, anthropic } = g));

const PROMPT = 'one two three four five six seven';
const ANSWER = `Echo: ${PROMPT}`;
/** No call may take longer than this, whatever the fault: a hang fails the case, it does not stall the suite. */
const CLIENT_DEADLINE_MS = 5000;

async function callNonStream(family: Family, model: string): Promise<Outcome> {
  const signal = AbortSignal.timeout(CLIENT_DEADLINE_MS);
  const messages = [{ role: 'user' as const, content: PROMPT }];
  try {
    if (family === 'openai') {
      const { data, response } = await openai.chat.completions
        .create({ model, messages }, { signal })
        .withResponse();
      const text = data.choices[0]?.message.content ?? '';
      return {
        status: response.status,
        text,
        error: undefined,
        requestId: id(response.headers),
        retryAfter: null,
        raw: JSON.stringify(data),
      };
    }
    const { data, response } = await anthropic.messages
      .create({ model, max_tokens: 200, messages }, { signal })
      .withResponse();
    const text = data.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    return {
      status: response.status,
      text,
      error: undefined,
      requestId: id(response.headers),
      retryAfter: null,
      raw: JSON.stringify(data),
    };
  } catch (e) {
    if (!(e instanceof OpenAI.APIError) && !(e instanceof Anthropic.APIError)) throw e;
    if (e.status === undefined) throw e; // a connection error or the deadline: no answer at all
    const body = e.error as Record<string, unknown> | undefined;
    const error = family === 'openai' ? body : (body?.error as Record<string, unknown> | undefined);
    const headers = e.headers as Headers;
    return {
      status: e.status,
      text: '',
      error,
      requestId: id(headers),
      retryAfter: headers.get('retry-after'),
      raw: JSON.stringify(body),
    };
  }
}

function id(h: Headers | undefined): string | null {
  return h?.get('x-keel-request-id') ?? null;
}

async function callStream(family: Family, model: string): Promise<Outcome> {
  const messages = [{ role: 'user', content: PROMPT }];
  const [path, body] =
    family === 'openai'
      ? ['/v1/chat/completions', { model, messages, stream: true, stream_options: { include_usage: true } }]
      : ['/v1/messages', { model, max_tokens: 200, messages, stream: true }];
  const res = await fetch(`${keel.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(CLIENT_DEADLINE_MS),
  });
  const raw = await res.text();
  const base = {
    status: res.status,
    requestId: id(res.headers),
    retryAfter: res.headers.get('retry-after'),
    raw,
  };
  if (res.status !== 200) {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    return { ...base, text: '', error: parsed.error as Record<string, unknown> };
  }
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const frames = parseSse(raw);
  return { ...base, text: streamText(family, frames), error: streamError(family, frames) };
}

function expectClientError(family: Family, out: Outcome, code: string, status: number): void {
  expect(out.error, out.raw).toBeDefined();
  const err = out.error!;
  expect(typeof err.message).toBe('string');
  if (family === 'openai') expect(err.code).toBe(code);
  else
    expect(err.type).toBe(
      status === 429 ? 'rate_limit_error' : status === 503 ? 'overloaded_error' : 'api_error',
    );
}

const other = (f: Family): Family => (f === 'openai' ? 'anthropic' : 'openai');
const provider = (f: Family) => (f === 'openai' ? 'oai' : 'ant');

describe.each(['openai', 'anthropic'] as const)('%s shape', (family) => {
  describe.each([false, true])('stream %s', (stream) => {
    describe.each([false, true])('fallback %s', (withFallback) => {
      it.each(FAULT_NAMES)('%s', async (fault) => {
        const faulty = family === 'openai' ? oai : ant;
        const backup = family === 'openai' ? ant : oai;
        faulty.always(FAULTS[fault]);
        const model = withFallback ? `${family}-fb` : family;
        const exp = expected(fault, stream, family);

        const out = stream ? await callStream(family, model) : await callNonStream(family, model);
        expectNoInternals(out.raw);
        const row: UsageEvent = await eventually(() => keel.usageFor(out.requestId));
        expect(row.stream).toBe(stream);
        const tokens = row.inputTokens + row.outputTokens;

        switch (exp.kind) {
          case 'answer':
          case 'estimated': {
            // the faulty target's own answer: no retry, no fallback
            expect(out.status).toBe(200);
            expect(out.error, out.raw).toBeUndefined();
            expect(out.text).toBe(ANSWER);
            expect(faulty.requests).toHaveLength(1);
            expect(backup.requests).toHaveLength(0);
            expect(row).toMatchObject({
              status: 200,
              errorCode: null,
              attempts: 1,
              fallbacks: [],
              provider: provider(family),
            });
            expect(row.costUsd).toBeGreaterThan(0);
            expect(row.tokensEstimated).toBe(exp.kind === 'estimated');
            if (exp.kind === 'estimated') {
              // Keel's estimate of a short prompt and answer, not the upstream's absurd numbers
              expect(tokens).toBeGreaterThan(0);
              expect(tokens).toBeLessThan(200);
              expect(row.costUsd).toBeLessThan(0.01);
              expect(out.raw).not.toMatch(/-5000|3000000000|2000000000|NaN/);
            }
            break;
          }
          case 'retried':
          case 'moved_on': {
            const upstreamCalls = exp.kind === 'retried' ? 2 : 1;
            expect(faulty.requests).toHaveLength(upstreamCalls);
            if (withFallback) {
              expect(out.status).toBe(200);
              expect(out.error, out.raw).toBeUndefined();
              expect(out.text).toBe(ANSWER);
              expect(backup.requests).toHaveLength(1);
              expect(row).toMatchObject({
                status: 200,
                errorCode: null,
                attempts: upstreamCalls + 1,
                fallbacks: [`${other(family)}-ok`],
                provider: provider(other(family)),
                tokensEstimated: false,
              });
              expect(row.costUsd).toBeGreaterThan(0);
            } else {
              expect(out.status).toBe(exp.status);
              expectClientError(family, out, exp.code!, exp.status!);
              if (exp.status === 429) expect(out.retryAfter).toMatch(/^\d+$/);
              expect(backup.requests).toHaveLength(0);
              expect(row).toMatchObject({
                status: exp.status,
                errorCode: exp.code,
                attempts: upstreamCalls,
                fallbacks: [],
              });
              // nothing was answered, nothing was billed
              expect(row.costUsd).toBe(0);
              expect(tokens).toBe(0);
            }
            break;
          }
          case 'interrupted': {
            // bytes reached the client: no retry, no fallback, an error event ends the stream
            expect(out.status).toBe(200);
            expectClientError(family, out, 'stream_interrupted', 502);
            // a truncated stream may carry the whole text, but without its terminator no client can know
            if (fault !== 'truncated') expect(out.text).not.toBe(ANSWER);
            expect(faulty.requests).toHaveLength(1);
            expect(backup.requests).toHaveLength(0);
            expect(row).toMatchObject({
              status: 502,
              errorCode: 'stream_interrupted',
              attempts: 1,
              fallbacks: [],
            });
            expect(row.provider).toBe(provider(family));
            // partial usage: what the upstream reported, or Keel's estimate of the input and the text sent
            expect(row.tokensEstimated).toBe(!exp.reported);
            expect(row.inputTokens).toBeGreaterThan(0);
            expect(row.costUsd).toBeGreaterThan(0);
            if (!exp.reported) expect(row.outputTokens).toBeLessThan(20);
            break;
          }
        }
      });
    });
  });
});

describe('embeddings', () => {
  it.each([-5000, 3_000_000_000])('bill Keel’s estimate when the upstream reports %d tokens', async (n) => {
    oai.enqueue({ usage: { input: n } });
    const { data, response } = await openai.embeddings
      .create({ model: 'embed', input: ['hello world'], encoding_format: 'float' })
      .withResponse();
    expect(data.data).toHaveLength(1);
    expect(data.usage.prompt_tokens).toBeGreaterThan(0);
    expect(data.usage.prompt_tokens).toBeLessThan(20);
    const row = await keel.usageFor(response.headers.get('x-keel-request-id'));
    expect(row).toMatchObject({ status: 200, tokensEstimated: true, inputTokens: data.usage.prompt_tokens });
    expect(row.costUsd).toBeLessThan(0.001);
  });
});
