/**
 * Test helpers for the red-team runner and CLI: fixture probes and a small OpenAI-compatible target
 * whose answers a test decides, with Keel's stored-runs route optionally mounted beside it.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { byCategory, byStrategy, summarize, tally, worstCases } from './tally.js';
import {
  type Attempt,
  CATEGORY_OWASP,
  type Check,
  type Probe,
  type ProbeRequest,
  type RedteamReport,
} from './types.js';

export function fixtureProbe(
  id: string,
  over: Partial<Omit<Probe, 'id' | 'request'>> & { user?: string; request?: ProbeRequest } = {},
): Probe {
  const { user, request, ...rest } = over;
  const checks: Check[] =
    rest.checks ?? (rest.kind === 'benign' ? [] : [{ kind: 'nonce', value: 'FX-NONCE-1' }]);
  return {
    id,
    category: 'direct-injection',
    kind: 'attack',
    strategy: 'none',
    title: `fixture ${id}`,
    ...rest,
    checks,
    request: request ?? { messages: [{ role: 'user', content: user ?? `probe ${id}` }] },
  };
}

export interface TargetCall {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface TargetAnswer {
  status: number;
  body: unknown;
  /** Answer after this many ms (to shuffle completion order). */
  delayMs?: number;
}

export interface FakeTarget {
  /** e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  calls: TargetCall[];
  /** Bodies posted to /api/redteam/runs. */
  stored: unknown[];
  close(): Promise<void>;
}

/** The text of a chat completion with one choice. */
export function completion(content: string | null, extra: Record<string, unknown> = {}): unknown {
  return {
    id: 'chatcmpl-fixture',
    object: 'chat.completion',
    created: 0,
    model: 'fixture',
    choices: [{ index: 0, message: { role: 'assistant', content, ...extra }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

/** The user text of the last user message of a posted body. */
export function lastUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages)
    ? (body.messages as Array<{ role?: string; content?: unknown }>)
    : [];
  const last = [...messages].reverse().find((m) => m.role === 'user');
  return typeof last?.content === 'string' ? last.content : '';
}

/**
 * `answer` decides each /v1/chat/completions reply. `store`: the status /api/redteam/runs answers
 * (404 by default, as a target that is not Keel would).
 */
export async function startFakeTarget(
  answer: (call: TargetCall) => TargetAnswer,
  store: { status: number } = { status: 404 },
): Promise<FakeTarget> {
  const calls: TargetCall[] = [];
  const stored: unknown[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      const reply = (status: number, payload: unknown, delayMs = 0) =>
        setTimeout(() => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(payload));
        }, delayMs);
      if (req.url === '/api/redteam/runs' && req.method === 'POST') {
        if (store.status < 300) stored.push({ headers: req.headers, body });
        return reply(
          store.status,
          store.status < 300 ? { id: 'run_1' } : { error: { code: 'x', message: 'no' } },
        );
      }
      if (req.url !== '/v1/chat/completions')
        return reply(404, { error: { code: 'route_not_found', message: '' } });
      const call = { path: req.url, headers: req.headers, body };
      calls.push(call);
      const a = answer(call);
      reply(a.status, a.body, a.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    calls,
    stored,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A finished attempt for report tests; outcome and category decide the rest unless given. */
export function fixtureAttempt(probeId: string, over: Partial<Attempt> = {}): Attempt {
  const category = over.category ?? 'direct-injection';
  const outcome = over.outcome ?? 'resisted';
  return {
    probe_id: probeId,
    category,
    owasp: CATEGORY_OWASP[category],
    strategy: 'none',
    kind: outcome === 'passed' || outcome === 'false_positive' ? 'benign' : 'attack',
    title: `fixture ${probeId}`,
    outcome,
    status: outcome === 'blocked' || outcome === 'false_positive' ? 400 : 200,
    latency_ms: 12,
    request_excerpt: 'ask',
    response_excerpt: 'answer',
    ...over,
  };
}

/** A report over these attempts, counted as the runner counts them. */
export function fixtureReport(attempts: Attempt[]): RedteamReport {
  const total = tally(attempts);
  return {
    summary: summarize(total),
    report_version: 1,
    corpus_version: 'fixture',
    started_at: '2026-12-06T08:00:00.000Z',
    finished_at: '2026-12-06T08:00:01.500Z',
    duration_ms: 1500,
    target: { url: 'http://127.0.0.1:8700/v1', model: 'gpt-4o-mini' },
    seed: 1,
    samples: 2,
    categories: [...new Set(attempts.map((a) => a.category))],
    strategies: ['none'],
    errors: total.errors,
    by_category: byCategory(attempts, []),
    by_strategy: byStrategy(attempts, []),
    worst: worstCases(attempts),
    attempts,
  };
}
