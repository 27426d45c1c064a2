import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderConfig } from '../config/schema.js';
import { TELEMETRY_DEFAULTS, type TelemetryConfig } from '../config/telemetry.js';
import { usageEvent } from './testkit.js';
import { createTracing, type KeelTracing, spanExtra, tracesUrl } from './tracing.js';

/** OTLP/JSON as the collector receives it (only the parts the tests read). */
interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values: AnyValue[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes: { key: string; value: AnyValue }[];
  status?: { code?: number; message?: string };
}
interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  resource: Record<string, unknown>;
  spans: OtlpSpan[];
}

function plain(v: AnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return v.arrayValue.values.map(plain);
  return undefined;
}
const attrs = (kv: { key: string; value: AnyValue }[]) =>
  Object.fromEntries(kv.map((a) => [a.key, plain(a.value)]));

const PROVIDERS = [
  { id: 'oai', kind: 'openai' },
  { id: 'local', kind: 'openai-compatible', base_url: 'http://127.0.0.1:11434/v1' },
  { id: 'groq', kind: 'openai-compatible', base_url: 'https://api.groq.com/openai/v1' },
  { id: 'claude', kind: 'anthropic' },
  { id: 'az', kind: 'azure-openai', base_url: 'https://acme.openai.azure.com', api_version: '2024-10-21' },
  { id: 'sim', kind: 'simulator' },
] as unknown as ProviderConfig[];

describe('createTracing over OTLP/HTTP', () => {
  let server: Server;
  let received: Received[];
  let tracing: KeelTracing;
  let endpoint: string;

  beforeEach(async () => {
    received = [];
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: AnyValue }[] };
            scopeSpans: { spans: OtlpSpan[] }[];
          }[];
        };
        for (const rs of body.resourceSpans)
          received.push({
            path: req.url ?? '',
            headers: req.headers,
            resource: attrs(rs.resource.attributes),
            spans: rs.scopeSpans.flatMap((s) => s.spans),
          });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await tracing?.shutdown();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const config = (over: Partial<TelemetryConfig> = {}): TelemetryConfig => ({
    ...TELEMETRY_DEFAULTS,
    otlp_endpoint: endpoint,
    otlp_headers: { 'x-tenant': 'acme' },
    service_name: 'keel-test',
    ...over,
  });
  const spans = () => received.flatMap((r) => r.spans);

  it('exports a GenAI chat span as OTLP JSON with the semantic-convention attributes', async () => {
    tracing = await createTracing(config(), { providers: PROVIDERS, serviceVersion: '9.9.9' });
    expect(tracing.enabled).toBe(true);
    const event = usageEvent({ requestId: 'req_abc', stream: true, traceId: 'task-7', cacheWriteTokens: 40 });
    tracing.recordSpan(event, {
      maxTokens: 512,
      temperature: 0.2,
      topP: 0.9,
      finishReasons: ['stop'],
      responseId: 'chatcmpl-1',
      responseModel: 'gpt-4o-2024-08-06',
    });
    await tracing.forceFlush();

    expect(received).toHaveLength(1);
    const r = received[0]!;
    expect(r.path).toBe('/v1/traces');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-tenant']).toBe('acme');
    expect(r.resource['service.name']).toBe('keel-test');
    expect(r.resource['service.version']).toBe('9.9.9');

    const [span] = r.spans;
    expect(span?.name).toBe('chat gpt-4o');
    expect(span?.kind).toBe(3); // SPAN_KIND_CLIENT
    expect(span?.parentSpanId ?? '').toBe('');
    expect(BigInt(span!.startTimeUnixNano)).toBe(BigInt(event.ts) * 1_000_000n);
    expect(BigInt(span!.endTimeUnixNano) - BigInt(span!.startTimeUnixNano)).toBe(420_000_000n);
    expect(span?.status?.code ?? 0).toBe(0);
    expect(attrs(span!.attributes)).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.request.stream': true,
      'gen_ai.request.max_tokens': 512,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.response.id': 'chatcmpl-1',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.response.time_to_first_chunk': 0.18,
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 300,
      'gen_ai.usage.cache_read.input_tokens': 200,
      'gen_ai.usage.cache_creation.input_tokens': 40,
      'gen_ai.usage.reasoning.output_tokens': 50,
      'server.address': 'api.openai.com',
      'server.port': 443,
      'keel.request_id': 'req_abc',
      'keel.use_case': 'support',
      'keel.endpoint': 'chat',
      'keel.api_shape': 'openai',
      'keel.status_code': 200,
      'keel.cache_hit': false,
      'keel.attempts': 1,
      'keel.fallbacks': 0,
      'keel.model.requested': 'gpt-4o',
      'keel.provider.id': 'oai',
      'keel.cost.usd': 0.0055,
      'keel.team': 'cx',
      'keel.feature': 'reply',
      'keel.trace_id': 'task-7',
      'keel.key_id': 'key_1',
    });
  });

  it('continues the caller trace from traceparent and marks failures', async () => {
    tracing = await createTracing(config(), { providers: PROVIDERS });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    tracing.recordSpan(
      usageEvent({
        endpoint: 'embeddings',
        modelRequested: 'embed-default',
        provider: 'local',
        modelUpstream: 'nomic-embed-text',
        fallbacks: ['embed-backup'],
        attempts: 3,
        status: 502,
        errorCode: 'upstream_error',
        costUsd: null,
      }),
      { traceparent: `00-${traceId}-${parent}-01`, tracestate: 'vendor=abc' },
    );
    await tracing.forceFlush();
    const [span] = spans();
    expect(span?.traceId).toBe(traceId);
    expect(span?.parentSpanId).toBe(parent);
    expect(span?.name).toBe('embeddings nomic-embed-text');
    expect(span?.status).toEqual({ code: 2, message: 'upstream_error' }); // STATUS_CODE_ERROR
    const a = attrs(span!.attributes);
    expect(a['gen_ai.operation.name']).toBe('embeddings');
    expect(a['gen_ai.provider.name']).toBe('openai');
    expect(a['server.address']).toBe('127.0.0.1');
    expect(a['server.port']).toBe(11434);
    expect(a['error.type']).toBe('upstream_error');
    expect(a['keel.fallbacks']).toBe(1);
    expect(a['keel.fallback_models']).toEqual(['embed-backup']);
    expect(a['keel.model.requested']).toBe('embed-default');
    expect(a['keel.cost.unpriced']).toBe(true);
    expect(a['keel.cost.usd']).toBeUndefined();
  });

  it('starts a new trace when traceparent is malformed, and drops unsampled parents', async () => {
    tracing = await createTracing(config(), { providers: PROVIDERS });
    tracing.recordSpan(usageEvent({ requestId: 'bad' }), { traceparent: '00-zzzz-nope-01' });
    tracing.recordSpan(usageEvent({ requestId: 'unsampled' }), {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00',
    });
    await tracing.forceFlush();
    const got = spans();
    expect(got.map((s) => attrs(s.attributes)['keel.request_id'])).toEqual(['bad']);
    expect(got[0]?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(got[0]?.parentSpanId ?? '').toBe('');
  });

  it('names refusals that reached no provider as Keel spans with no token counts', async () => {
    tracing = await createTracing(config(), { providers: PROVIDERS });
    tracing.recordSpan(
      usageEvent({
        modelRequested: '',
        provider: null,
        modelUpstream: null,
        attempts: 0,
        status: 401,
        errorCode: 'invalid_api_key',
        inputTokens: 0,
        outputTokens: 0,
        cachedInputTokens: 0,
        reasoningTokens: 0,
        costUsd: 0,
        ttftMs: null,
      }),
    );
    await tracing.forceFlush();
    const [span] = spans();
    expect(span?.name).toBe('chat');
    const a = attrs(span!.attributes);
    expect(a['gen_ai.provider.name']).toBe('keel');
    expect(a['gen_ai.request.model']).toBeUndefined();
    expect(a['gen_ai.usage.input_tokens']).toBeUndefined();
    expect(a['error.type']).toBe('invalid_api_key');
  });

  it('maps provider kinds to well-known gen_ai.provider.name values', async () => {
    tracing = await createTracing(config(), { providers: PROVIDERS });
    for (const provider of ['groq', 'claude', 'az', 'sim'])
      tracing.recordSpan(usageEvent({ requestId: provider, provider }));
    await tracing.forceFlush();
    const by = Object.fromEntries(
      spans().map((s) => {
        const a = attrs(s.attributes);
        return [a['keel.request_id'], [a['gen_ai.provider.name'], a['server.address'] ?? null]];
      }),
    );
    expect(by).toEqual({
      groq: ['groq', 'api.groq.com'],
      claude: ['anthropic', 'api.anthropic.com'],
      az: ['azure.ai.openai', 'acme.openai.azure.com'],
      sim: ['keel.simulator', null],
    });
  });

  it('reports export failures to onExportError', async () => {
    const errors: unknown[] = [];
    server.removeAllListeners('request');
    server.on('request', (_req, res) => res.writeHead(400).end('bad'));
    tracing = await createTracing(config(), { onExportError: (e) => errors.push(e) });
    tracing.recordSpan(usageEvent());
    await tracing.forceFlush();
    expect(errors).toHaveLength(1);
  });

  it('sends nothing once shut down', async () => {
    tracing = await createTracing(config());
    await tracing.shutdown();
    tracing.recordSpan(usageEvent());
    await tracing.forceFlush();
    expect(received).toHaveLength(0);
  });
});

describe('createTracing without an endpoint', () => {
  it('is a no-op', async () => {
    const t = await createTracing(TELEMETRY_DEFAULTS);
    expect(t.enabled).toBe(false);
    t.recordSpan(usageEvent());
    await t.forceFlush();
    await t.shutdown();
  });
});

describe('tracesUrl', () => {
  it('appends /v1/traces to a base URL, once', () => {
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/otlp/')).toBe('http://collector:4318/otlp/v1/traces');
    expect(tracesUrl('http://collector:4318/v1/traces')).toBe('http://collector:4318/v1/traces');
  });
});

describe('spanExtra', () => {
  it('takes trace context from headers and sampling settings from the chat request', () => {
    const extra = spanExtra(
      {
        headers: { traceparent: '00-a-b-01' },
        chat: { model: 'm', messages: [], maxTokens: 10, temperature: 0 } as never,
      },
      { finishReasons: ['length'] },
    );
    expect(extra).toMatchObject({
      traceparent: '00-a-b-01',
      maxTokens: 10,
      temperature: 0,
      finishReasons: ['length'],
    });
    expect(extra.topP).toBeUndefined();
  });
});
