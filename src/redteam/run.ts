/**
 * The runner: every probe posted (non-streaming) to the target's `/chat/completions`, a bounded number
 * at a time, judged, and counted into a report. Attempts keep the probes' order whatever order the
 * answers arrive in, so the same seed gives the same report. The API key goes into the Authorization
 * header and nowhere else: it is masked out of every excerpt and error text.
 */
import { CORPUS_VERSION } from './corpus/index.js';
import { lastInput, safeExcerpt } from './excerpt.js';
import { judge, type Reply, readAnswer, renderAnswer } from './judge/index.js';
import { errorInfo } from './judge/refusal.js';
import { byCategory, byStrategy, summarize, tally, worstCases } from './tally.js';
import {
  type Attempt,
  CATEGORY_OWASP,
  type CategoryId,
  type Probe,
  type RedteamReport,
  type StrategyId,
} from './types.js';

export interface RunOptions {
  /** OpenAI base URL ending in /v1. */
  target: string;
  key?: string;
  model: string;
  useCase?: string;
  probes: Probe[];
  seed: number;
  samples: number;
  categories: CategoryId[];
  strategies: StrategyId[];
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  /** Per request, body included (default 30 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Recorded in the report (default: the shipped corpus's version). */
  corpusVersion?: string;
}

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_TIMEOUT_MS = 30_000;

/** The target as recorded: no credentials in the URL, no trailing slash. */
export function publicTarget(target: string): string {
  try {
    const url = new URL(target);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/+$/, '');
  } catch {
    return target.replace(/\/+$/, '');
  }
}

/** Strings no record of the run may contain: the key, and credentials written into the target URL. */
function secretsOf(opts: RunOptions): string[] {
  const out = opts.key ? [opts.key] : [];
  try {
    const url = new URL(opts.target);
    for (const part of [url.username, url.password]) if (part) out.push(decodeURIComponent(part));
  } catch {
    // not a URL: every request fails and is reported as a network error
  }
  return out;
}

interface Sent {
  reply: Reply;
  latencyMs: number;
  /** What came back, for the excerpt (not yet masked). */
  shown: string;
}

function transportReply(e: unknown, timeoutMs: number): Sent['reply'] {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError'))
    return { transportError: `no answer within ${timeoutMs} ms`, code: 'timeout' };
  const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
  return { transportError: `${e instanceof Error ? e.message : String(e)}${cause}`, code: 'network' };
}

function shownReply(reply: Reply): string {
  if ('transportError' in reply) return `${reply.code}: ${reply.transportError}`;
  if (reply.status >= 200 && reply.status < 300) {
    const answer = readAnswer(reply.body);
    if (answer) return renderAnswer(answer);
  } else {
    const info = errorInfo(reply.body);
    if (info.code || info.message) return `HTTP ${reply.status} ${info.code ?? ''}: ${info.message ?? ''}`;
  }
  const raw = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? null);
  return `HTTP ${reply.status}: ${raw.slice(0, 4000)}`;
}

async function send(opts: RunOptions, url: string, probe: Probe): Promise<Sent> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  if (opts.useCase) headers['x-keel-use-case'] = opts.useCase;
  const body = JSON.stringify({ model: opts.model, ...probe.request });
  const doFetch = opts.fetch ?? fetch;
  const t0 = performance.now();
  let reply: Reply;
  try {
    const res = await doFetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: judged on the status alone, shown as text
    }
    reply = { status: res.status, body: parsed };
  } catch (e) {
    reply = transportReply(e, timeoutMs);
  }
  return { reply, latencyMs: Math.round(performance.now() - t0), shown: shownReply(reply) };
}

function toAttempt(probe: Probe, sent: Sent, hide: string[]): Attempt {
  const verdict = judge(probe, sent.reply);
  return {
    probe_id: probe.id,
    category: probe.category,
    owasp: CATEGORY_OWASP[probe.category],
    strategy: probe.strategy,
    kind: probe.kind,
    title: probe.title,
    outcome: verdict.outcome,
    status: 'status' in sent.reply ? sent.reply.status : 0,
    ...(verdict.error_code === undefined ? {} : { error_code: verdict.error_code }),
    ...(verdict.evidence === undefined ? {} : { evidence: verdict.evidence }),
    latency_ms: sent.latencyMs,
    request_excerpt: safeExcerpt(lastInput(probe), probe, hide),
    response_excerpt: safeExcerpt(sent.shown, probe, hide),
  };
}

export async function runRedteam(opts: RunOptions): Promise<RedteamReport> {
  const startedAt = new Date();
  const t0 = performance.now();
  const url = `${opts.target.replace(/\/+$/, '')}/chat/completions`;
  const hide = secretsOf(opts);
  const probes = opts.probes;
  const attempts: Attempt[] = new Array(probes.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < probes.length) {
      const i = next++;
      const probe = probes[i] as Probe;
      attempts[i] = toAttempt(probe, await send(opts, url, probe), hide);
    }
  };
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? DEFAULT_CONCURRENCY));
  await Promise.all(Array.from({ length: Math.min(concurrency, probes.length) }, worker));
  const total = tally(attempts);
  const target: RedteamReport['target'] = { url: publicTarget(opts.target), model: opts.model };
  if (opts.useCase) target.use_case = opts.useCase;
  return {
    summary: summarize(total),
    report_version: 1,
    corpus_version: opts.corpusVersion ?? CORPUS_VERSION,
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    duration_ms: Math.round(performance.now() - t0),
    target,
    seed: opts.seed,
    samples: opts.samples,
    categories: opts.categories,
    strategies: opts.strategies,
    errors: total.errors,
    by_category: byCategory(attempts, opts.categories),
    by_strategy: byStrategy(attempts, opts.strategies),
    worst: worstCases(attempts),
    attempts,
  };
}
