import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { FuzzKeel } from './harness.js';
import { describeRequest, type FuzzRequest } from './requests.js';

/** Settings of one fuzz run, from the environment so `npm run fuzz` can run long. */
export interface FuzzSettings {
  seed: number;
  /** Cases for the whole file. */
  runs: number;
  /** Stop early after this long (the cases run so far must pass). */
  timeLimitMs: number | undefined;
  /** Longest event-loop delay one call may cause. */
  stallMs: number;
}

export function fuzzSettings(defaultRuns: number): FuzzSettings {
  const int = (name: string, d: number) => {
    const v = process.env[name];
    const n = v === undefined || v === '' ? d : Number(v);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new Error(`${name} must be a non-negative integer, got ${v}`);
    return n;
  };
  const timeS = int('FUZZ_TIME_S', 0);
  return {
    seed: int('FUZZ_SEED', 0x6b65656c),
    runs: int('FUZZ_RUNS', defaultRuns),
    timeLimitMs: timeS > 0 ? timeS * 1000 : undefined,
    stallMs: int('FUZZ_STALL_MS', 1000),
  };
}

/**
 * Process-wide failures no single response shows: unhandled rejections, uncaught exceptions, and
 * event-loop stalls. Stalls are measured twice: Node's monitorEventLoopDelay, and a 1 ms heartbeat
 * timer's longest gap — the histogram misses a block that starts in a check-phase callback or a
 * microtask (as an in-process app.request() call does), the heartbeat does not.
 */
export interface Watchers {
  readonly crashes: unknown[];
  readonly loop: IntervalHistogram;
  /** Start measuring a new call. */
  reset(): void;
  /** Longest stall since reset(), in ms. */
  stallMs(): number;
  dispose(): void;
}

export function installWatchers(): Watchers {
  const crashes: unknown[] = [];
  const onRejection = (reason: unknown) => crashes.push(reason);
  const onException = (err: unknown) => crashes.push(err);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  let last = performance.now();
  let maxGap = 0;
  const heartbeat = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 1);
  return {
    crashes,
    loop,
    reset: () => {
      loop.reset();
      last = performance.now();
      maxGap = 0;
    },
    stallMs: () => Math.max(maxGap, loop.max / 1e6),
    dispose: () => {
      clearInterval(heartbeat);
      loop.disable();
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

/** Counts per outcome, logged at the end so a run shows what it exercised. */
export type Tally = Map<string, number>;

/** One trip through the timers phase, so the heartbeat and the histogram see a stall that just ended. */
const timersTurn = () => new Promise<void>((r) => setTimeout(r, 0));
const CASE_TIMEOUT_MS = 15_000;

/** 5xx a gateway may rightly answer when its upstream fails; the fake answers, but guards may still refuse an answer. */
const UPSTREAM_STATUSES = new Set([502, 503, 504]);
const PROXIED = new Set([
  '/v1/chat/completions',
  '/v1/messages',
  '/v1/messages/count_tokens',
  '/v1/embeddings',
  '/v1/responses',
]);

function fail(req: FuzzRequest, what: string, detail: string): never {
  throw new Error(`${what}\n  ${describeRequest(req)}\n  ${detail.slice(0, 1500)}`);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The error shape of the API the call belongs to: Anthropic on /v1/messages/* and on /v1/models for
 * callers that send `anthropic-version`, OpenAI-style elsewhere (and on /api).
 */
function shapeProblem(path: string, headers: Record<string, string>, body: unknown): string | null {
  if (!isObj(body)) return 'the error body is not a JSON object';
  const err = body.error;
  if (!isObj(err)) return 'no `error` object';
  if (typeof err.message !== 'string' || err.message.length === 0)
    return 'error.message is not a non-empty string';
  if (typeof err.type !== 'string') return 'error.type is not a string';
  const anthropic =
    path.startsWith('/v1/messages') ||
    (path.startsWith('/v1/models') &&
      Object.keys(headers).some((h) => h.toLowerCase() === 'anthropic-version'));
  if (anthropic) return body.type === 'error' ? null : 'Anthropic errors need type: "error"';
  if (typeof err.code !== 'string') return 'error.code is not a string';
  if (!('param' in err)) return 'error.param is missing';
  return null;
}

/** A stream that answered 200 must not carry an internal error event. */
function streamProblem(text: string): string | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith('data:')) continue;
    if (/"code":"internal_error"|Keel hit an internal error/.test(line))
      return `internal error in the stream: ${line}`;
  }
  return null;
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Send one generated call and check every property: no 5xx (bar upstream statuses on proxied
 * routes), errors in the API's own shape with a request id, no event-loop stall over the bound, no
 * crash anywhere in the process, and — for a refused call that could write — no change to state.
 */
export async function checkCase(
  keel: FuzzKeel,
  w: Watchers,
  s: FuzzSettings,
  req: FuzzRequest,
  tally: Tally,
): Promise<void> {
  // As the router sees it: `%2e%2e` and `..` segments resolve, and may leave /v1 and /api.
  const path = new URL(req.url, 'http://keel.test').pathname;
  const api = /^\/(v1|api)(\/|$)/.test(path);
  const writes = req.method !== 'GET' && req.method !== 'HEAD';
  const before = writes ? await keel.snapshot() : null;
  w.reset();
  const crashesBefore = w.crashes.length;
  const init: RequestInit = { method: req.method, headers: req.headers };
  if (req.body !== undefined) init.body = req.body;
  const { res, text } = await withTimeout(
    (async () => {
      const r = await keel.app.request(req.url, init);
      return { res: r, text: await r.text() };
    })(),
    CASE_TIMEOUT_MS,
    'the call',
  ).catch((e: unknown) => fail(req, 'the call failed or hung', String(e)));
  await timersTurn();
  const stalled = w.stallMs();
  tally.set(`${res.status}`, (tally.get(`${res.status}`) ?? 0) + 1);

  if (w.crashes.length > crashesBefore)
    fail(req, 'unhandled rejection or uncaught exception', String(w.crashes.at(-1)));
  if (stalled > s.stallMs)
    fail(req, `event loop stalled ${stalled.toFixed(0)} ms (bound ${s.stallMs} ms)`, '');
  if (!api) {
    // Resolved outside the API (the Command Room's pages; 503 there only says the UI is not built).
    if (res.status === 500) fail(req, 'answered 500 outside the API', text);
    tally.set('outside the API', (tally.get('outside the API') ?? 0) + 1);
    return;
  }
  if (res.status >= 500 && !(PROXIED.has(path) && UPSTREAM_STATUSES.has(res.status)))
    fail(req, `answered ${res.status}`, text);
  if (res.status >= 500) {
    // Which codes: a guard refusing the fake's answer (tool_call_blocked) is expected, others are worth a look.
    const code = /"code":"([a-z_]+)"/.exec(text)?.[1] ?? /"message":"(.{0,50})/.exec(text)?.[1] ?? '?';
    tally.set(`${res.status} ${code}`, (tally.get(`${res.status} ${code}`) ?? 0) + 1);
  }
  if (res.status >= 400 && req.method !== 'HEAD') {
    if (!/application\/json/.test(res.headers.get('content-type') ?? ''))
      fail(req, `error ${res.status} is not JSON`, text);
    if (!res.headers.get('x-keel-request-id'))
      fail(req, `error ${res.status} has no x-keel-request-id`, text);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      fail(req, `error ${res.status} body is not JSON`, text);
    }
    const problem = shapeProblem(path, req.headers, body);
    if (problem) fail(req, `error ${res.status} is not in the API's error shape: ${problem}`, text);
  }
  if (res.status < 300 && (res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const problem = streamProblem(text);
    if (problem) fail(req, 'stream error', problem);
  }
  if (before !== null && res.status >= 400) {
    const after = await keel.snapshot();
    if (after !== before) fail(req, `refused with ${res.status} but changed state`, diff(before, after));
  }
}

function diff(a: string, b: string): string {
  const al = a.split('\n');
  const bl = b.split('\n');
  return al
    .map((l, i) => (l === bl[i] ? null : `- ${l.slice(0, 400)}\n+ ${(bl[i] ?? '').slice(0, 400)}`))
    .filter(Boolean)
    .join('\n');
}
