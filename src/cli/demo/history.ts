import type { KeelServices } from '../../app.types.js';
import type { KeelConfig } from '../../config/schema.js';
import { createSecurityEventWriter } from '../../store/security-events.js';
import type { UsageEvent } from '../../store/types.js';
import { createUsageWriter } from '../../store/usage.js';
import { createPriceBook } from '../../value/pricing/price-book.js';
import type { UseCasePatch } from '../../value/usecases/model.js';

export const DAY = 86_400_000;
const HOUR = 3_600_000;

/** A deterministic pseudo-random sequence so two demo runs produce the same workload. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface DemoUseCase {
  id: string;
  patch: UseCasePatch;
}

/** The five use cases the demo tells a story with. */
export const DEMO_USE_CASES: DemoUseCase[] = [
  {
    id: 'support-assistant',
    patch: {
      name: 'Support assistant',
      description: 'Answers customer tickets from the help centre; escalates when unsure.',
      owner: 'maria.lopez',
      team: 'customer-care',
      stage: 'production',
      business_metric: 'ticket resolved without escalation',
      value_per_outcome_usd: 0.4,
      human_baseline_cost_usd: 6.5,
      monthly_budget_usd: 120,
      target_roi: 3,
      tags: ['customer-facing', 'demo'],
    },
  },
  {
    id: 'contract-review',
    patch: {
      name: 'Contract review',
      description: 'Flags risky clauses in supplier contracts before counsel reads them.',
      owner: 'li.wei',
      team: 'legal',
      stage: 'pilot',
      business_metric: 'clause review accepted by counsel',
      value_per_outcome_usd: 1.5,
      human_baseline_cost_usd: 40,
      monthly_budget_usd: 60,
      target_roi: 1,
      tags: ['internal', 'demo'],
    },
  },
  {
    id: 'lead-qualification',
    patch: {
      name: 'Lead qualification',
      description: 'Scores inbound leads for the sales team. No outcomes wired up yet.',
      owner: 'sam.okafor',
      team: 'sales-ops',
      stage: 'pilot',
      business_metric: 'lead qualified and accepted by sales',
      value_per_outcome_usd: 2,
      human_baseline_cost_usd: 3,
      monthly_budget_usd: 40,
      target_roi: 0.5,
      tags: ['demo'],
    },
  },
  {
    id: 'knowledge-search',
    patch: {
      name: 'Knowledge search',
      description: 'Semantic search and answers over the internal wiki.',
      owner: 'dev.patel',
      team: 'platform',
      stage: 'production',
      business_metric: 'answer found without opening a ticket',
      value_per_outcome_usd: 0.25,
      human_baseline_cost_usd: 2,
      monthly_budget_usd: 50,
      target_roi: 2,
      tags: ['internal', 'demo'],
    },
  },
  {
    id: 'customer-chat',
    patch: {
      name: 'Customer chat',
      description: 'Public website chat bot; currently probed with prompt-injection attempts.',
      owner: 'nora.berg',
      team: 'digital',
      stage: 'production',
      business_metric: 'conversation ended with a booked demo',
      value_per_outcome_usd: 1.2,
      human_baseline_cost_usd: 4,
      monthly_budget_usd: 80,
      target_roi: 2,
      tags: ['customer-facing', 'demo'],
    },
  },
];

/** Create or update the demo use cases (idempotent). */
export async function registerUseCases(services: KeelServices): Promise<void> {
  const reg = services.value.useCases;
  for (const uc of DEMO_USE_CASES) {
    const existing = await reg.get(uc.id);
    if (!existing) {
      await reg.create(uc.id, uc.patch, 'demo');
      continue;
    }
    // Fields keel.yaml declares stay as configured.
    const patch = Object.fromEntries(
      Object.entries(uc.patch).filter(([k]) => !existing.configFields.includes(k)),
    ) as UseCasePatch;
    if (Object.keys(patch).length > 0) await reg.update(uc.id, patch, 'demo');
  }
  await reg.refresh();
}

interface Mix {
  model: string;
  provider: string;
  upstream: string;
  endpoint: UsageEvent['endpoint'];
  apiShape: UsageEvent['apiShape'];
  weight: number;
}

interface Profile {
  useCase: string;
  team: string;
  /** Calls on an average weekday at the start of the period. */
  perDay: number;
  /** Growth over the whole period (0.3 = +30 %). */
  growth: number;
  features: string[];
  users: number;
  keyName: string;
  mixes: Mix[];
  input: [number, number];
  output: [number, number];
  latency: [number, number];
  /** Share of calls that report an outcome, and its success rate. */
  outcomeRate: number;
  successRate: number;
  outcomeType: string;
  feedbackRate: number;
}

const SIM = 'simulator';
const mini: Omit<Mix, 'weight'> = {
  model: 'chat-fast',
  provider: SIM,
  upstream: 'gpt-4o-mini',
  endpoint: 'chat',
  apiShape: 'openai',
};
const big: Omit<Mix, 'weight'> = {
  model: 'chat-smart',
  provider: SIM,
  upstream: 'gpt-4o',
  endpoint: 'chat',
  apiShape: 'openai',
};
const sonnet: Omit<Mix, 'weight'> = {
  model: 'claude-sonnet',
  provider: SIM,
  upstream: 'claude-sonnet-4-5-20250929',
  endpoint: 'messages',
  apiShape: 'anthropic',
};
const embed: Omit<Mix, 'weight'> = {
  model: 'embed-small',
  provider: SIM,
  upstream: 'text-embedding-3-small',
  endpoint: 'embeddings',
  apiShape: 'openai',
};
/** A self-hosted model nobody has a price for: its calls are counted as unpriced, never as $0. */
const llama: Omit<Mix, 'weight'> = {
  model: 'local-llama',
  provider: 'on-prem',
  upstream: 'llama-3.1-8b-instruct',
  endpoint: 'chat',
  apiShape: 'openai',
};

const PROFILES: Profile[] = [
  {
    useCase: 'support-assistant',
    team: 'customer-care',
    perDay: 150,
    growth: 0.35,
    features: ['chat-widget', 'email-draft', 'agent-assist'],
    users: 40,
    keyName: 'demo-support-widget',
    mixes: [
      { ...mini, weight: 0.7 },
      { ...big, weight: 0.3 },
    ],
    input: [1800, 3200],
    output: [120, 420],
    latency: [600, 2200],
    outcomeRate: 0.35,
    successRate: 0.76,
    outcomeType: 'ticket_resolved',
    feedbackRate: 0.08,
  },
  {
    useCase: 'contract-review',
    team: 'legal',
    perDay: 30,
    growth: 0.1,
    features: ['clause-review'],
    users: 6,
    keyName: 'demo-legal-review',
    mixes: [{ ...sonnet, weight: 1 }],
    input: [18_000, 42_000],
    output: [900, 2400],
    latency: [6000, 18_000],
    outcomeRate: 0.04,
    successRate: 0.5,
    outcomeType: 'review_accepted',
    feedbackRate: 0.05,
  },
  {
    useCase: 'lead-qualification',
    team: 'sales-ops',
    perDay: 45,
    growth: 0.2,
    features: ['crm-score'],
    users: 12,
    keyName: 'demo-sales-crm',
    mixes: [
      { ...big, weight: 0.85 },
      { ...llama, weight: 0.15 },
    ],
    input: [700, 1600],
    output: [60, 160],
    latency: [800, 2500],
    outcomeRate: 0,
    successRate: 0,
    outcomeType: 'lead_accepted',
    feedbackRate: 0,
  },
  {
    useCase: 'knowledge-search',
    team: 'platform',
    perDay: 110,
    growth: 0.15,
    features: ['wiki-search', 'slack-bot'],
    users: 60,
    keyName: 'demo-platform-search',
    mixes: [
      { ...embed, weight: 0.55 },
      { ...mini, weight: 0.45 },
    ],
    input: [300, 900],
    output: [80, 260],
    latency: [150, 900],
    outcomeRate: 0.2,
    successRate: 0.7,
    outcomeType: 'answer_found',
    feedbackRate: 0.06,
  },
  {
    useCase: 'customer-chat',
    team: 'digital',
    perDay: 90,
    growth: 0.25,
    features: ['website-chat'],
    users: 200,
    keyName: 'demo-website-chat',
    mixes: [{ ...mini, weight: 1 }],
    input: [400, 1200],
    output: [80, 300],
    latency: [500, 1800],
    outcomeRate: 0.1,
    successRate: 0.4,
    outcomeType: 'demo_booked',
    feedbackRate: 0.05,
  },
];

/** Weekday peaks, quiet weekends. 0 = Sunday. */
const WEEKDAY = [0.35, 1.05, 1.15, 1.1, 1.05, 0.9, 0.4];
/** Office hours in UTC, a little evening tail. */
const HOURLY = [
  0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 1, 1.6, 2, 2.1, 2, 1.7, 1.9, 2, 1.9, 1.6, 1.2, 0.9, 0.7, 0.55, 0.45,
  0.35, 0.25,
];
const HOURLY_SUM = HOURLY.reduce((a, b) => a + b, 0);

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
        const base: UsageEvent = {
          requestId,
          ts,
          endpoint: mix.endpoint,
          apiShape: mix.apiShape,
          stream: mix.endpoint !== 'embeddings' && rand() < 0.4,
          modelRequested: mix.model,
          provider: mix.provider,
          modelUpstream: mix.upstream,
          attempts: 1,
          fallbacks: [],
          cacheHit: false,
          status: 200,
          errorCode: null,
          latencyMs: 0,
          ttftMs: null,
          inputTokens: 0,
          cachedInputTokens: 0,
          cacheWriteTokens: 0,
          outputTokens: 0,
          reasoningTokens: 0,
          tokensEstimated: false,
          costUsd: 0,
          priceVersion: null,
          keyId: keyIds.get(p.useCase) ?? null,
          useCase: p.useCase,
          team: p.team,
          userId: `${p.team}-user-${userN}`,
          feature: p.features[Math.floor(rand() * p.features.length)] ?? null,
          traceId: `demo-${run}-t-${p.useCase.slice(0, 4)}-${d}-${Math.floor(i / 3)}`,
        };
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

function pickHour(rand: () => number): number {
  let r = rand() * HOURLY_SUM;
  for (let h = 0; h < HOURLY.length; h++) {
    r -= HOURLY[h] ?? 0;
    if (r <= 0) return h;
  }
  return 12;
}

function pickMix(mixes: Mix[], rand: () => number): Mix {
  let r = rand();
  for (const m of mixes) {
    r -= m.weight;
    if (r <= 0) return m;
  }
  return mixes[mixes.length - 1] as Mix;
}
