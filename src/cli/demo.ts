import { parseArgs } from 'node:util';
import type { KeelApp } from '../app.types.js';
import { buildKeel } from '../build.js';
import { loadConfig } from '../config/load.js';
import { seeded as rng } from '../prng.js';
import { summarizeUsage } from '../store/usage.js';
import { createLogger } from '../telemetry/logger.js';
import { GUARDED_EVERY, guardedCall } from './demo/guarded.js';
import {
  type BackfillResult,
  backfillHistory,
  DAY,
  DEMO_USE_CASES,
  hasHistory,
  registerUseCases,
} from './demo/history.js';
import type { Io } from './main.js';
import { formatTable } from './table.js';

const HELP = `Usage: keel demo [--config keel.yaml] [--days 21] [--requests 300] [--concurrency 16] [--force]

Fills the store with a living example: registers five use cases (profitable, loss-making, a pilot
with no outcomes yet, one under attack, one with drifting inputs), writes --days days of simulated
history (usage, outcomes, feedback, guard refusals), then sends a realistic mixed workload (chat,
streaming, tools, embeddings, the Anthropic API) through Keel's full request path and refreshes the
value rollups. One live call in twelve meets the guards (an injection, a secret, personal data, an
instruction planted in a tool result, a leaking answer), so the Security view shows real decisions. History is written once: a second run skips it unless --force (or --days 0).
With no config, everything is answered by the built-in simulator: no provider account needed.
`;

export interface DemoCall {
  path: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

const QUESTIONS = [
  'My order arrived damaged, how do I get a replacement?',
  'Can you summarise the refund policy for annual plans?',
  'What is the status of ticket 4821?',
  'How do I reset my password if I no longer have access to my email?',
  'Draft a friendly reply declining a meeting next Tuesday.',
  'Which of these three leads is most likely to convert and why?',
  'Classify this feedback: the new dashboard is slow on Mondays.',
];

const ORDER_TOOL = {
  type: 'function',
  function: {
    name: 'lookup_order',
    description: 'Look up an order by id',
    parameters: {
      type: 'object',
      properties: { order_id: { type: 'string' }, include_items: { type: 'boolean' } },
      required: ['order_id'],
    },
  },
};

export function demoWorkload(n: number, models: Set<string>, seed = 7): DemoCall[] {
  const rand = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const chat = models.has('chat-fast') ? 'chat-fast' : [...models][0];
  const smart = models.has('chat-smart') ? 'chat-smart' : chat;
  const claude = models.has('claude-sonnet') ? 'claude-sonnet' : smart;
  const embed = models.has('embed-small') ? 'embed-small' : undefined;
  const calls: DemoCall[] = [];
  for (let i = 0; i < n; i++) {
    const user = `user-${1 + Math.floor(rand() * 25)}`;
    if (i % GUARDED_EVERY === GUARDED_EVERY - 1) {
      calls.push(guardedCall(Math.floor(i / GUARDED_EVERY), chat as string, user));
      continue;
    }
    const trace = `trace-${Math.floor(i / 3)}`;
    const r = rand();
    if (r < 0.4) {
      calls.push({
        path: '/v1/chat/completions',
        headers: {
          'x-keel-use-case': 'support-assistant',
          'x-keel-team': 'customer-care',
          'x-keel-feature': 'chat-widget',
          'x-keel-trace-id': trace,
        },
        body: {
          model: chat,
          stream: rand() < 0.5,
          stream_options: { include_usage: true },
          user,
          messages: [
            { role: 'system', content: 'You are a helpful support assistant for Acme. Be concise.' },
            { role: 'user', content: pick(QUESTIONS) },
          ],
          ...(rand() < 0.3 ? { tools: [ORDER_TOOL] } : {}),
        },
      });
    } else if (r < 0.6) {
      calls.push({
        path: '/v1/chat/completions',
        headers: {
          'x-keel-use-case': 'lead-qualification',
          'x-keel-team': 'sales-ops',
          'x-keel-user': user,
          'x-keel-feature': 'crm-score',
        },
        body: {
          model: smart,
          response_format: { type: 'json_object' },
          messages: [
            {
              role: 'system',
              content: 'Score the lead from 0 to 100 and return JSON {"score": number, "reason": string}.',
            },
            {
              role: 'user',
              content: `Lead notes: ${pick(QUESTIONS)} Company size ${Math.floor(rand() * 900) + 10}.`,
            },
          ],
        },
      });
    } else if (r < 0.8) {
      calls.push({
        path: '/v1/messages',
        headers: { 'x-keel-use-case': 'contract-review', 'x-keel-team': 'legal', 'x-keel-user': user },
        body: {
          model: claude,
          max_tokens: 300,
          stream: rand() < 0.4,
          system: 'You review contract clauses and flag risks.',
          messages: [{ role: 'user', content: `Review this clause: ${pick(QUESTIONS)}` }],
        },
      });
    } else if (embed) {
      calls.push({
        path: '/v1/embeddings',
        headers: { 'x-keel-use-case': 'knowledge-search', 'x-keel-team': 'platform', 'x-keel-user': user },
        body: { model: embed, input: [pick(QUESTIONS), pick(QUESTIONS)] },
      });
    }
  }
  return calls;
}

async function send(app: KeelApp, call: DemoCall): Promise<number> {
  const res = await app.request(call.path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...call.headers },
    body: JSON.stringify(call.body),
  });
  await res.arrayBuffer();
  return res.status;
}

export async function runDemo(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      requests: { type: 'string', default: '300' },
      concurrency: { type: 'string', default: '16' },
      days: { type: 'string', default: '21' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const n = Number(values.requests);
  const concurrency = Number(values.concurrency);
  const days = Number(values.days);
  if (!Number.isInteger(n) || n <= 0 || !Number.isInteger(concurrency) || concurrency <= 0) {
    io.err('keel demo: --requests and --concurrency expect positive whole numbers\n');
    return 2;
  }
  if (!Number.isInteger(days) || days < 0 || days > 400) {
    io.err('keel demo: --days expects a whole number from 0 to 400\n');
    return 2;
  }
  const { config } = loadConfig({ path: values.config, env: io.env });
  // Demo traffic comes from inside: key checks would only get in the way of a first look.
  config.auth.required = false;
  config.logging.level = 'warn';
  // The README runs the demo beside `keel start` on the same store: the spool directory belongs to
  // that server (one live process per spool). The demo is one-shot and flushes everything it
  // recorded when it closes, so it records without a spool of its own.
  config.durability.spool = false;
  const app = await buildKeel(config, { logger: createLogger(config) });
  const begun = Date.now();
  await registerUseCases(app.services);
  let history: BackfillResult | undefined;
  let skipped = false;
  if (days > 0) {
    if (!values.force && (await hasHistory(app.services, begun))) skipped = true;
    else history = await backfillHistory(app.services, config, { days, now: begun });
  }
  const calls = demoWorkload(n, new Set(config.models.map((m) => m.name)));
  const statuses = new Map<number, number>();
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, calls.length) }, async () => {
      while (next < calls.length) {
        const call = calls[next++] as DemoCall;
        const status = await send(app, call);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  await app.services.usage.flush();
  const rows = await summarizeUsage(app.services.database, { from: started, groupBy: ['use_case', 'model'] });
  // Roll everything up now, so the Command Room shows it at once.
  await app.services.value.rollups.refresh();
  await app.services.value.evaluateAlerts().catch(() => undefined);
  const dayStart = Math.floor(begun / DAY) * DAY;
  const report = await app.services.value.report({
    from: dayStart - Math.max(days, 1) * DAY,
    to: dayStart + DAY,
    granularity: 'day',
    useCases: DEMO_USE_CASES.map((u) => u.id),
  });
  await app.close();
  io.out(
    `Registered ${DEMO_USE_CASES.length} use cases: ${DEMO_USE_CASES.map((u) => `${u.id} (${u.patch.stage})`).join(', ')}\n`,
  );
  if (history)
    io.out(
      `Wrote ${days} days of history: ${history.events} calls (${history.refused} refused by guards), ${history.outcomes} outcomes, ${history.feedback} feedback scores\n`,
    );
  else if (skipped)
    io.out('History already present: backfill skipped (pass --force to write another copy)\n');
  io.out(
    `Sent ${calls.length} requests in ${((Date.now() - started) / 1000).toFixed(1)} s; statuses: ${[...statuses].map(([s, c]) => `${s}×${c}`).join(', ')}\n`,
  );
  const guarded = Math.floor(calls.length / GUARDED_EVERY);
  if (guarded > 0)
    io.out(
      `${guarded} of them met the guards (injections, a secret, personal data, a planted instruction, a leaking answer): see Security.\n`,
    );
  io.out('\n');
  io.out(
    formatTable(rows, [
      'use_case',
      'model',
      'requests',
      'errors',
      'input_tokens',
      'output_tokens',
      'cost_usd',
      'unpriced',
    ]),
  );
  io.out(`\nValue over the last ${Math.max(days, 1)} days:\n`);
  io.out(
    formatTable(
      report.use_cases.map((u) => ({
        use_case: u.use_case,
        stage: u.stage,
        requests: u.total.requests,
        blocked: u.total.blocked,
        cost_usd: u.total.cost_usd,
        outcomes: u.total.outcomes,
        value_usd: u.total.value_usd,
        roi: u.total.roi === null ? '—' : u.total.roi.toFixed(2),
      })),
      ['use_case', 'stage', 'requests', 'blocked', 'cost_usd', 'outcomes', 'value_usd', 'roi'],
    ),
  );
  const token = config.admin.token ? '<your KEEL_ADMIN_TOKEN>' : '<set KEEL_ADMIN_TOKEN, 16+ characters>';
  io.out(
    `\nStart Keel with \`npm start\` (same config), then open http://${config.server.host}:${config.server.port} (KEEL_ADMIN_TOKEN=${token}).\n`,
  );
  io.out('See the raw calls with `keel usage` and the value report with `keel report`.\n');
  return 0;
}
