import type { KeelServices } from '../../app.types.js';
import type { KeelConfig } from '../../config/schema.js';
import { seeded as rng } from '../../prng.js';
import { createSecurityEventWriter } from '../../store/security-events.js';
import type { UsageEvent } from '../../store/types.js';
import { createUsageWriter } from '../../store/usage.js';
import { usageEvent } from '../../store/usage-event.js';
import { createPriceBook } from '../../value/pricing/price-book.js';
import { PROFILES, type Profile, pickHour, pickMix, WEEKDAY } from './traffic.js';

export { DEMO_USE_CASES, type DemoUseCase, registerUseCases } from './use-cases.js';

export const DAY = 86_400_000;
const HOUR = 3_600_000;

export interface BackfillResult {
  events: number;
  refused: number;
  outcomes: number;
  feedback: number;
  from: number;
}

/** True when the store already holds history older than a day (a previous `keel demo`, or real use). */
export async function hasHistory(services: KeelServices, now: number): Promise<boolean> {
  const row = await services.database.db
    .selectFrom('usage_events')
    .select('request_id')
    .where('ts', '<', now - DAY)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

async function demoKeys(services: KeelServices): Promise<Map<string, string>> {
  const existing = await services.keys.list();
  const ids = new Map<string, string>();
  for (const p of PROFILES) {
    const found = existing.find((k) => k.name === p.keyName);
    if (found) {
      ids.set(p.useCase, found.id);
      continue;
    }
    const { key } = await services.keys.create(
      {
        name: p.keyName,
        useCases: [p.useCase],
        team: p.team,
        models: [...new Set(p.mixes.map((m) => m.model))],
      },
      'demo',
    );
    ids.set(p.useCase, key.id);
  }
  return ids;
}

/**
 * Writes `days` days of simulated history straight into the usage ledger (the gateway itself only
 * records calls as they happen), priced with the price book at each call's time, plus outcomes and
 * feedback. Deterministic: the same seed gives the same history (ids aside).
 */
export async function backfillHistory(
  services: KeelServices,
  config: KeelConfig,
  opts: { days: number; now: number; seed?: number },
): Promise<BackfillResult> {
  const rand = rng(opts.seed ?? 21);
  const between = ([lo, hi]: [number, number]) => lo + rand() * (hi - lo);
  const prices = createPriceBook({ overrides: config.pricing.overrides });
  const keyIds = await demoKeys(services);
  const { database } = services;
  const writer = createUsageWriter(database, { flushIntervalMs: 3_600_000, batchSize: 2000 });
  const security = createSecurityEventWriter(database, { flushIntervalMs: 3_600_000, onError: () => {} });
  const today = Math.floor(opts.now / DAY) * DAY;
  const from = today - opts.days * DAY;
  const run = Math.floor(opts.now).toString(36);
  const outcomeCalls: Array<{ p: Profile; id: string; ts: number }> = [];
  const feedbackCalls: Array<{ id: string; good: boolean }> = [];
  let events = 0;
  let refused = 0;

  for (let d = 0; d < opts.days; d++) {
    const dayStart = from + d * DAY;
    const daysLeft = opts.days - d; // 1 = yesterday
    const weekday = new Date(dayStart).getUTCDay();
    for (const p of PROFILES) {
      const trend = 1 + p.growth * (d / Math.max(1, opts.days - 1));
      const n = Math.round(p.perDay * trend * (WEEKDAY[weekday] ?? 1) * (0.9 + rand() * 0.2));
      // knowledge-search: new documents were indexed a week ago; prompts, answers and latency grew.
      const drift = p.useCase === 'knowledge-search' && daysLeft <= 7;
      // customer-chat: an injection campaign started ten days ago and is ramping up.
      const attackShare =
        p.useCase === 'customer-chat' && daysLeft <= 10 ? 0.15 + 0.025 * (10 - daysLeft) : 0;
      for (let i = 0; i < n; i++) {
        const ts = dayStart + pickHour(rand) * HOUR + Math.floor(rand() * HOUR);
        if (ts >= opts.now) continue;
        const mix = pickMix(p.mixes, rand);
        const userN = 1 + Math.floor(rand() ** 1.6 * p.users);
        const requestId = `demo-${run}-${p.useCase.slice(0, 4)}-${d}-${i}`;
        const attacked = rand() < attackShare;
        const base = usageEvent({
          requestId,
          ts,
          endpoint: mix.endpoint,
          apiShape: mix.apiShape,
          stream: mix.endpoint !== 'embeddings' && rand() < 0.4,
          modelRequested: mix.model,
          provider: mix.provider,
          modelUpstream: mix.upstream,
          costUsd: 0,
          keyId: keyIds.get(p.useCase) ?? null,
          useCase: p.useCase,
          team: p.team,
          userId: `${p.team}-user-${userN}`,
          feature: p.features[Math.floor(rand() * p.features.length)] ?? null,
          traceId: `demo-${run}-t-${p.useCase.slice(0, 4)}-${d}-${Math.floor(i / 3)}`,
        });
        if (attacked) {
          // Refused by the input guard before any provider was called: no tokens, no cost.
          refused++;
          writer.record({
            ...base,
            provider: null,
            modelUpstream: null,
            attempts: 0,
            status: 400,
            errorCode: 'prompt_injection_detected',
            latencyMs: Math.round(between([3, 15])),
            costUsd: null,
            userId: `anon-${Math.floor(rand() * 30)}`,
          });
          security.record({
            ts,
            requestId,
            useCase: p.useCase,
            keyId: base.keyId,
            model: mix.model,
            detector: 'injection',
            direction: 'input',
            action: 'block',
            score: Math.round((0.8 + rand() * 0.2) * 100) / 100,
            labels: ['prompt_injection'],
            spans: [{ start: 0, end: 48, label: 'prompt_injection' }],
            index: 1,
          });
          events++;
          continue;
        }
        const scale = drift ? 2.4 : 1;
        const inputTokens = Math.round(between(p.input) * scale);
        const outputTokens =
          mix.endpoint === 'embeddings' ? 0 : Math.round(between(p.output) * (drift ? 1.6 : 1));
        const cachedInputTokens = mix.apiShape === 'anthropic' ? Math.round(inputTokens * 0.3 * rand()) : 0;
        const latencyMs = Math.round(
          (mix.endpoint === 'embeddings' ? between([40, 160]) : between(p.latency)) * (drift ? 1.8 : 1),
        );
        // A few upstream failures, like any real week.
        const failed = rand() < 0.012;
        const usage = {
          inputTokens,
          cachedInputTokens,
          cacheWriteTokens: 0,
          outputTokens,
          reasoningTokens: 0,
        };
        const quote = prices.quote(mix.provider, mix.upstream, usage, ts);
        const event: UsageEvent = failed
          ? { ...base, status: 502, errorCode: 'upstream_error', latencyMs, costUsd: 0 }
          : {
              ...base,
              ...usage,
              latencyMs,
              ttftMs: base.stream ? Math.round(latencyMs * 0.2) : null,
              costUsd: quote.costUsd,
              priceVersion: quote.priceVersion,
            };
        writer.record(event);
        events++;
        if (failed) continue;
        if (rand() < p.outcomeRate) outcomeCalls.push({ p, id: requestId, ts });
        if (rand() < p.feedbackRate) feedbackCalls.push({ id: requestId, good: rand() < 0.78 });
      }
    }
  }
  await writer.close();
  await security.close();

  // Outcomes: most reported within minutes (with occurred_at), some days later, linked by request id
  // (they count on the day of the call they explain).
  const { outcomes } = services.value;
  let outcomeCount = 0;
  for (const o of outcomeCalls) {
    const late = rand() < 0.25;
    await outcomes.recordOutcome(
      {
        request_id: o.id,
        use_case: o.p.useCase,
        type: o.p.outcomeType,
        success: rand() < o.p.successRate,
        ...(late ? {} : { occurred_at: Math.min(opts.now, o.ts + Math.floor(rand() * 600_000)) }),
        ...(late ? { metadata: { reported: 'late' } } : {}),
      },
      null,
    );
    outcomeCount++;
  }
  for (const f of feedbackCalls)
    await outcomes.recordFeedback({ request_id: f.id, score: f.good ? 1 : -1 }, null);
  return { events, refused, outcomes: outcomeCount, feedback: feedbackCalls.length, from };
}
