import type { UsageEvent } from '../../store/types.js';

export interface Mix {
  model: string;
  provider: string;
  upstream: string;
  endpoint: UsageEvent['endpoint'];
  apiShape: UsageEvent['apiShape'];
  weight: number;
}

export interface Profile {
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

export const PROFILES: Profile[] = [
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
export const WEEKDAY = [0.35, 1.05, 1.15, 1.1, 1.05, 0.9, 0.4];
/** Office hours in UTC, a little evening tail. */
const HOURLY = [
  0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 1, 1.6, 2, 2.1, 2, 1.7, 1.9, 2, 1.9, 1.6, 1.2, 0.9, 0.7, 0.55, 0.45,
  0.35, 0.25,
];
const HOURLY_SUM = HOURLY.reduce((a, b) => a + b, 0);

export function pickHour(rand: () => number): number {
  let r = rand() * HOURLY_SUM;
  for (let h = 0; h < HOURLY.length; h++) {
    r -= HOURLY[h] ?? 0;
    if (r <= 0) return h;
  }
  return 12;
}

export function pickMix(mixes: Mix[], rand: () => number): Mix {
  let r = rand();
  for (const m of mixes) {
    r -= m.weight;
    if (r <= 0) return m;
  }
  return mixes[mixes.length - 1] as Mix;
}
