import type http from 'node:http';
import type { Behaviour, Exchange, RecordedRequest } from './common.js';
import { cutConnection, isObject, STALL_MS, sendJson } from './common.js';

/**
 * The upstream faults the fakes can play, by name. A request picks one with the `x-fake-fault`
 * header or a `+fault` suffix on its model (`gpt-4o+stall`), which works through Keel too (a
 * target's upstream model name is sent verbatim); otherwise the fake's queue (`enqueue`) and its
 * standing behaviour (`always`) decide. Timings are short so that a test can run every fault.
 */
export const FAULTS = {
  /** Nothing at all for 5 s: headers included. */
  late_first_byte: { delayMs: 5_000 },
  /** Slow but alive: 40 ms between stream events (or body slices). */
  drip: { chunkDelayMs: 40, drip: true },
  /** A few events (half the body), then silence with the connection open. */
  stall: { stallAfter: 3 },
  /** The connection is reset before any response byte. */
  reset_before_headers: { destroy: true },
  /** 200 and headers, then a reset before the body's end (streams: before the first event). */
  reset_mid_body: { cutAfter: 0 },
  /** Streams: a reset after a few events. Non-stream: as reset_mid_body. */
  reset_mid_stream: { cutAfter: 4 },
  /** 429 asking for a retry after 0 s (the matrix must not wait; see retry-after tests for more). */
  rate_limited: { status: 429, retryAfter: 0 },
  server_error: { status: 503 },
  /** Anthropic's overloaded status; the OpenAI fake sends it too, with a generic body. */
  overloaded: { status: 529 },
  invalid_json: { garbage: true },
  wrong_shape: { wrongShape: true },
  usage_negative: { rawUsage: { prompt_tokens: -5000, input_tokens: -5000 } },
  usage_nan: { rawUsage: { prompt_tokens: 'NaN', input_tokens: 'NaN' } },
  usage_billions: {
    rawUsage: {
      prompt_tokens: 3_000_000_000,
      input_tokens: 3_000_000_000,
      completion_tokens: 2_000_000_000,
      output_tokens: 2_000_000_000,
    },
  },
  /** Streams: no `[DONE]` / `message_stop`. Non-stream: half the JSON, clean end. */
  truncated: { truncate: true },
} as const satisfies Record<string, Behaviour>;

export type FaultName = keyof typeof FAULTS;

export const FAULT_NAMES = Object.keys(FAULTS) as FaultName[];

function isFault(name: string): name is FaultName {
  return Object.hasOwn(FAULTS, name);
}

/** The fault a request names for itself, if any (header first, then a `model+fault` suffix). */
export function namedFault(req: RecordedRequest): Behaviour | undefined {
  const header = req.headers['x-fake-fault'];
  if (typeof header === 'string' && isFault(header)) return FAULTS[header];
  const model = isObject(req.body) && typeof req.body.model === 'string' ? req.body.model : '';
  const plus = model.lastIndexOf('+');
  if (plus < 0) return undefined;
  const name = model.slice(plus + 1);
  return isFault(name) ? FAULTS[name] : undefined;
}

/**
 * A non-streaming 200 answer, faults included: cut mid-body (cutAfter), stalled (stallAfter),
 * dripped (drip + chunkDelayMs) or truncated with a clean end (truncate).
 */
export async function sendAnswer(ex: Exchange, body: unknown): Promise<void> {
  const { res, behaviour: b } = ex;
  const text = JSON.stringify(body);
  const half = text.slice(0, Math.floor(text.length / 2));
  if (b.truncate) {
    sendRaw(res, half);
    return;
  }
  if (b.cutAfter === undefined && b.stallAfter === undefined && !b.drip) {
    sendJson(res, 200, body);
    return;
  }
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  if (b.cutAfter !== undefined) {
    res.write(half);
    // let the half reach the peer before the reset, as a real cut connection would
    if (await ex.wait(20)) cutConnection(res);
    return;
  }
  if (b.stallAfter !== undefined) {
    res.write(half);
    await ex.wait(STALL_MS);
    return;
  }
  const step = Math.ceil(text.length / 4);
  for (let i = 0; i < text.length; i += step) {
    if (i > 0 && !(await ex.wait(b.chunkDelayMs ?? 40))) return;
    res.write(text.slice(i, i + step));
  }
  res.end();
}

function sendRaw(res: http.ServerResponse, text: string): void {
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/** 200 with well-formed JSON that is not an answer: what a misrouted proxy or a changed API returns. */
export function sendWrongShape(
  res: http.ServerResponse,
  stream: boolean,
  family: 'openai' | 'anthropic',
): void {
  if (!stream) {
    sendJson(res, 200, { object: 'list', data: [{ id: 'not-a-completion' }], has_more: false });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const frame = { status: 'queued', data: { items: [1, 2, 3] } };
  if (family === 'openai')
    res.end(`data: ${JSON.stringify(frame)}\n\ndata: ${JSON.stringify(frame)}\n\ndata: [DONE]\n\n`);
  else res.end(`event: notice\ndata: ${JSON.stringify({ type: 'notice', ...frame })}\n\n`);
}
