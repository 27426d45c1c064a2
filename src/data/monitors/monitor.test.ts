import { describe, expect, it } from 'vitest';
import { NEVER_CANCELLED } from '../../canonical/cancel.js';
import type { ChatRequest } from '../../canonical/types.js';
import { Mulberry32 } from '../../prng.js';
import { createSimulatorProvider } from '../../providers/simulator/index.js';
import type { UsageEvent } from '../../store/types.js';
import { parseCsv } from '../datasets/csv.js';
import { profileFromSamples } from '../datasets/profile.js';
import { driftProfile } from '../drift/run.js';
import { dataSettings } from '../settings.js';
import { createTrafficMonitors, type DriftAlert } from './monitor.js';
import { detectLanguage, looksLikeRefusal } from './text.js';

const HOUR = 36e5;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 0, 1);

function event(over: Partial<UsageEvent>): UsageEvent {
  return {
    requestId: 'r',
    ts: T0,
    endpoint: 'chat',
    apiShape: 'openai',
    stream: false,
    modelRequested: 'chat-fast',
    provider: 'sim',
    modelUpstream: 'gpt-4o-mini',
    attempts: 1,
    fallbacks: [],
    cacheHit: false,
    status: 200,
    errorCode: null,
    latencyMs: 200,
    ttftMs: null,
    inputTokens: 100,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 60,
    reasoningTokens: 0,
    tokensEstimated: false,
    costUsd: 0.0001,
    priceVersion: 'v1',
    keyId: null,
    useCase: 'support',
    team: null,
    userId: null,
    feature: null,
    traceId: null,
    ...over,
  };
}

function settings(over: Record<string, unknown> = {}) {
  return dataSettings({ monitors: { reference_days: 1, window_hours: 6, min_events: 100, ...over } })
    .monitors;
}

describe('traffic monitors on usage events', () => {
  it('stays quiet on stable traffic, fires on a shift of the shifted features only, then resolves', () => {
    const alerts: DriftAlert[] = [];
    const m = createTrafficMonitors({ settings: settings(), onDrift: (a) => alerts.push(a), now: () => T0 });
    const g = new Mulberry32(5);
    const normal = (ts: number, shift = false) =>
      m.observe({
        event: event({
          ts,
          latencyMs: (shift ? 900 : 200) + 100 * g.uniform(),
          inputTokens: Math.floor(80 + 40 * g.uniform()),
          status: g.uniform() < (shift ? 0.2 : 0.01) ? 502 : 200,
          errorCode: null,
        }),
        refusal: g.uniform() < 0.05,
      });
    // Reference: the first day. Current: hours 30–36.
    for (let i = 0; i < 2000; i++) normal(T0 + (i / 2000) * DAY);
    for (let i = 0; i < 600; i++) normal(T0 + 30 * HOUR + (i / 600) * 6 * HOUR);
    expect(m.runMonitors(T0 + 36 * HOUR)).toEqual([]);
    const st = m.status('support')[0];
    expect(st?.reference).toMatchObject({ source: 'traffic', complete: true, events: 2000 });
    expect(st?.features.find((f) => f.feature === 'latency_ms')).toMatchObject({ state: 'ok' });

    for (let i = 0; i < 600; i++) normal(T0 + 40 * HOUR + (i / 600) * 6 * HOUR, true);
    const fired = m.runMonitors(T0 + 46 * HOUR);
    expect(fired.map((a) => a.feature).sort()).toEqual(['error_rate', 'latency_ms']);
    expect(alerts).toEqual(fired);
    const lat = fired.find((a) => a.feature === 'latency_ms') as DriftAlert;
    expect(lat).toMatchObject({
      kind: 'data_drift',
      status: 'firing',
      useCase: 'support',
      method: 'psi+ks',
      severity: 'warning',
    });
    expect(lat.current.p50).toBeGreaterThan(800);
    expect(fired.find((a) => a.feature === 'error_rate')?.severity).toBe('critical');
    // Same verdict on the next run: no repeat alert.
    expect(m.runMonitors(T0 + 46 * HOUR + 1)).toEqual([]);

    for (let i = 0; i < 600; i++) normal(T0 + 60 * HOUR + (i / 600) * 6 * HOUR);
    const resolved = m.runMonitors(T0 + 66 * HOUR);
    expect(resolved.map((a) => [a.feature, a.status]).sort()).toEqual([
      ['error_rate', 'resolved'],
      ['latency_ms', 'resolved'],
    ]);
  });

  it('does not compare while the reference window is filling, or with too few events', () => {
    const m = createTrafficMonitors({ settings: settings({ min_events: 500 }), onDrift: () => {} });
    for (let i = 0; i < 300; i++) m.observe({ event: event({ ts: T0 + i * 60_000 }) });
    expect(m.runMonitors(T0 + HOUR)).toEqual([]);
    expect(m.status()[0]?.reference.complete).toBe(false);
    m.freezeReference('support', T0 + 5 * HOUR);
    for (let i = 0; i < 50; i++) m.observe({ event: event({ ts: T0 + 6 * HOUR + i, latencyMs: 5000 }) });
    expect(m.runMonitors(T0 + 7 * HOUR)).toEqual([]);
    expect(m.status()[0]?.features.every((f) => f.state === 'insufficient_data')).toBe(true);
  });

  it('compares against a pinned dataset version, and keeps references across a restart', () => {
    const rows = Array.from({ length: 400 }, (_, i) => `${100 + (i % 50)},${150 + (i % 37)},0`).join('\n');
    const table = parseCsv(`input_tokens,latency_ms,error_rate\n${rows}\n`);
    const dp = driftProfile(table);
    const profile = profileFromSamples(table.rows, dp.columns.values(), new Map());
    const alerts: DriftAlert[] = [];
    const m = createTrafficMonitors({ settings: settings(), onDrift: (a) => alerts.push(a), now: () => T0 });
    m.pinReference('support', profile);
    for (let i = 0; i < 400; i++)
      m.observe({
        event: event({ ts: T0 + i * 1000, inputTokens: 400 + (i % 50), latencyMs: 150 + (i % 37) }),
      });
    m.runMonitors(T0 + HOUR);
    expect(alerts.map((a) => a.feature)).toEqual(['input_tokens']);

    const copy = createTrafficMonitors({ settings: settings(), onDrift: () => {}, now: () => T0 });
    copy.restore(JSON.parse(JSON.stringify(m.snapshot())));
    expect(copy.status('support')[0]?.reference).toMatchObject({ source: 'pinned', events: 400 });
  });

  it('keeps memory bounded on long streams', () => {
    const m = createTrafficMonitors({ settings: settings(), onDrift: () => {} });
    const g = new Mulberry32(1);
    for (let i = 0; i < 60_000; i++)
      m.observe({ event: event({ ts: T0 + i * 1000, latencyMs: g.uniform() * 1000 }) });
    const snap = JSON.stringify(m.snapshot());
    expect(snap.length).toBeLessThan(100_000);
  });
});

describe('traffic monitors on simulator traffic (capture_text)', () => {
  const sim = createSimulatorProvider(
    {
      id: 'sim',
      kind: 'simulator',
      headers: {},
      max_connections: 8,
      allow_link_local: false,
      simulator: { latency_ms: 0, tokens_per_second: 0, answer_tokens: 60, embedding_dimensions: 64 },
    },
    { now: () => T0 },
  );
  const before = [
    'What are the best places to visit in Lisbon in spring?',
    'Recommend a cheap hotel near the Colosseum in Rome.',
    'How do I cook a simple risotto for dinner?',
    'Which dishes should I try in a Thai street food market?',
    'Plan a three day trip to Kyoto with temples and food.',
  ];
  const after = [
    'My Python script throws a KeyError when parsing JSON, how do I debug it?',
    'How do I rotate API keys safely in a Kubernetes deployment without downtime?',
    'Write a SQL query that finds duplicate customer emails and explain the index to add.',
    'Our TLS certificate expired and the service returns handshake errors; what should we check?',
    'Refactor this TypeScript function to avoid the race condition between two promises.',
  ];

  async function call(text: string, i: number, ts: number) {
    const req: ChatRequest = {
      model: 'chat',
      stream: false,
      seed: i,
      messages: [{ role: 'user', content: [{ type: 'text', text: `${text} (case ${i})` }] }],
    };
    const r = await sim.chat(req, { model: 'gpt-4o-mini', signal: NEVER_CANCELLED });
    const content = r.choices[0]?.message.content;
    const responseText = typeof content === 'string' ? content : '';
    return {
      event: event({
        ts,
        inputTokens: r.usage?.inputTokens ?? 0,
        outputTokens: r.usage?.outputTokens ?? 0,
        latencyMs: 50,
      }),
      promptText: `${text} (case ${i})`,
      responseText,
    };
  }

  it('alerts on topic drift when the questions change, and not when they do not', async () => {
    const alerts: DriftAlert[] = [];
    const m = createTrafficMonitors({
      settings: settings({ capture_text: true }),
      onDrift: (a) => alerts.push(a),
    });
    for (let i = 0; i < 300; i++) m.observe(await call(before[i % 5] as string, i, T0 + i * 60_000));
    for (let i = 0; i < 300; i++)
      m.observe(await call(before[i % 5] as string, 1000 + i, T0 + 25 * HOUR + i * 60_000));
    m.runMonitors(T0 + 30 * HOUR);
    expect(alerts.filter((a) => a.feature === 'topic')).toEqual([]);
    const topicOk = m.status()[0]?.features.find((f) => f.feature === 'topic');
    expect(topicOk?.state).toBe('ok');

    for (let i = 0; i < 300; i++)
      m.observe(await call(after[i % 5] as string, 2000 + i, T0 + 40 * HOUR + i * 60_000));
    m.runMonitors(T0 + 45 * HOUR);
    const topic = alerts.find((a) => a.feature === 'topic');
    expect(topic).toMatchObject({ status: 'firing', method: 'centroid+classifier' });
    expect(topic?.current.classifier_accuracy).toBeGreaterThan(0.8);
    expect(alerts.map((a) => a.feature)).toContain('input_tokens');
  });

  it('detects language and refusals from text', () => {
    expect(detectLanguage('What is the weather like in the city today?')).toBe('en');
    expect(detectLanguage('¿Cuál es el mejor restaurante de la ciudad para cenar?')).toBe('es');
    expect(detectLanguage('Wie ist das Wetter in der Stadt und was ist nicht gut?')).toBe('de');
    expect(detectLanguage('東京の天気はどうですか')).toBe('ja');
    expect(detectLanguage('Привет, как дела?')).toBe('ru');
    expect(looksLikeRefusal("I'm sorry, but I can't help with that.")).toBe(true);
    expect(looksLikeRefusal('Sure! Here is the plan.')).toBe(false);
  });
});
