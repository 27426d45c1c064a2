import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { namedFault } from './faults.js';

/** A stalled response stays silent this long at most (the client is expected to give up first). */
export const STALL_MS = 60_000;

/** One request a fake upstream received, as it arrived on the wire. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  rawBody: string;
}

export interface FakeToolCall {
  id?: string;
  name: string;
  /** JSON text of the arguments, streamed in pieces when the request streams. */
  arguments: string;
}

/**
 * Token counts the fake puts on the wire verbatim, in the provider's own semantics:
 * OpenAI `prompt_tokens` = input (cached included), `cached_tokens` = cached;
 * Anthropic `input_tokens` = input (cache excluded), `cache_read_input_tokens` = cached,
 * `cache_creation_input_tokens` = cacheWrite.
 */
export interface FakeUsage {
  input?: number;
  output?: number;
  cached?: number;
  cacheWrite?: number;
  reasoning?: number;
}

/** What the fake does for one request. Unset fields fall back to a deterministic echo answer. */
export interface Behaviour {
  /** Answer with this error status and the provider's error body. */
  status?: number;
  /** Seconds, sent as `retry-after` with an error status. */
  retryAfter?: number;
  /** Error message for `status` (defaults to a provider-like one). */
  message?: string;
  /** 200 with a body that is not JSON (or SSE data that is not JSON when streaming). */
  garbage?: boolean;
  /** Wait this long before sending anything (for timeouts). */
  delayMs?: number;
  /** Reset the connection before any response byte. */
  destroy?: boolean;
  /** Streams: number of SSE events written before the upstream cuts the connection. Non-stream: cut mid-body. */
  cutAfter?: number;
  /** With cutAfter: send the provider's in-stream error event and end cleanly instead of resetting. */
  cutWithError?: boolean;
  /** Pause between SSE events. */
  chunkDelayMs?: number;
  text?: string;
  toolCalls?: FakeToolCall[];
  /** Model name reported in the answer (defaults to the one requested). */
  model?: string;
  /** Anthropic: a thinking block (with its signature) before the answer. */
  thinking?: { thinking: string; signature: string };
  /** OpenAI: the choice's `logprobs` object, put on the wire verbatim (on the first content chunk when streaming). */
  logprobs?: Record<string, unknown>;
  /** Raw provider finish / stop reason. */
  finishReason?: string;
  /** Anthropic `stop_sequence`. */
  stopSequence?: string;
  usage?: FakeUsage;
  /** Anthropic streams: message_delta carries only output_tokens (the older wire format), input counts only in message_start. */
  deltaUsageOutputOnly?: boolean;
  /** OpenAI: report no usage at all (as some OpenAI-compatible servers do), so Keel must estimate. */
  omitUsage?: boolean;
  /**
   * Streams: write this many SSE events, then go silent with the connection open until the client
   * gives up. Non-stream: headers and half the body, then silence.
   */
  stallAfter?: number;
  /** Non-stream: send the body in a few slices, `chunkDelayMs` apart (streams drip with chunkDelayMs alone). */
  drip?: boolean;
  /**
   * Streams: everything but the terminator (`data: [DONE]` / `message_stop`), then a clean end.
   * Non-stream: the first half of the JSON with a matching content-length, then a clean end.
   */
  truncate?: boolean;
  /** 200 with valid JSON (or SSE events of valid JSON) that is not the provider's answer shape. */
  wrongShape?: boolean;
  /** Usage fields put on the wire verbatim over the computed ones (negative, strings, billions…). */
  rawUsage?: Record<string, unknown>;
}

export interface FakeUpstream {
  /** e.g. http://127.0.0.1:54321 (no trailing slash, no /v1). */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Responses whose client (Keel) went away before the fake finished them. */
  readonly aborted: number;
  /** Queue behaviours for the next requests, in order; the default echo answer follows. */
  enqueue(...behaviours: Behaviour[]): void;
  /**
   * The behaviour of every request the queue does not script (until reset or always(undefined)).
   * A request can also name a fault itself: see faults.ts (`x-fake-fault` header, `model+fault`).
   */
  always(behaviour: Behaviour | undefined): void;
  /** Clear the queue, the standing behaviour and the recorded requests. */
  reset(): void;
  /** The last request received (throws when there is none). */
  last(): RecordedRequest;
  close(): Promise<void>;
}

export interface Exchange {
  req: RecordedRequest;
  res: http.ServerResponse;
  behaviour: Behaviour;
  /** Resolves true after ms, or false as soon as the client went away or the fake is closing. */
  wait(ms: number): Promise<boolean>;
}

export type Handler = (ex: Exchange) => Promise<void>;

const deliberatelyCut = new WeakSet<http.ServerResponse>();

/** Resets the connection on purpose (a scripted failure, not the client going away). */
export function cutConnection(res: http.ServerResponse): void {
  deliberatelyCut.add(res);
  res.socket?.destroy();
}

/** Starts a loopback HTTP server that records every request and hands it to `handler` with the next behaviour. */
export async function startFake(handler: Handler): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  const queue: Behaviour[] = [];
  let standing: Behaviour | undefined;
  const timers = new Set<NodeJS.Timeout>();
  const waiters = new Set<() => void>();
  let closing = false;
  let aborted = 0;

  const wait = (res: http.ServerResponse, ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (closing || res.destroyed) return resolve(false);
      const done = (alive: boolean) => {
        clearTimeout(timer);
        timers.delete(timer);
        waiters.delete(onGone);
        res.off('close', onGone);
        resolve(alive);
      };
      const onGone = () => done(false);
      const timer = setTimeout(() => done(!res.destroyed && !closing), ms);
      timers.add(timer);
      waiters.add(onGone);
      res.on('close', onGone);
    });

  const server = http.createServer((req, res) => {
    req.socket.setNoDelay(true);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: unknown = rawBody;
      if (rawBody.length > 0) {
        try {
          body = JSON.parse(rawBody);
        } catch {
          // keep the raw text: the test may want to see what was sent
        }
      }
      const u = new URL(req.url ?? '/', 'http://fake');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: u.pathname,
        query: u.searchParams,
        headers: req.headers,
        body,
        rawBody,
      };
      requests.push(recorded);
      res.on('close', () => {
        if (!res.writableFinished && !closing && !deliberatelyCut.has(res)) aborted++;
      });
      const behaviour = queue.shift() ?? namedFault(recorded) ?? standing ?? {};
      handler({ req: recorded, res, behaviour, wait: (ms) => wait(res, ms) }).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`fake upstream crashed: ${String(err)}`);
        } else {
          res.destroy();
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get aborted() {
      return aborted;
    },
    enqueue: (...b) => {
      queue.push(...b);
    },
    always: (b) => {
      standing = b;
    },
    reset: () => {
      queue.length = 0;
      standing = undefined;
      requests.length = 0;
      aborted = 0;
    },
    last: () => {
      const r = requests.at(-1);
      if (!r) throw new Error('the fake upstream received no request');
      return r;
    },
    close: async () => {
      closing = true;
      for (const t of timers) clearTimeout(t);
      for (const w of waiters) w();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendGarbage(res: http.ServerResponse, stream: boolean): void {
  if (stream) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.end('data: <html><body>502 Bad Gateway</body></html>\n\n');
    return;
  }
  const text = '<html><body>502 Bad Gateway</body></html>';
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(text.length) });
  res.end(text);
}

/** A stream of SSE frames that honours cutAfter / cutWithError / chunkDelayMs. */
export async function writeSse(ex: Exchange, frames: string[], errorFrame: string): Promise<void> {
  const { res, behaviour: b } = ex;
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.flushHeaders();
  const count = b.truncate ? frames.length - 1 : frames.length;
  for (let i = 0; i < count; i++) {
    if (b.stallAfter !== undefined && i >= b.stallAfter) {
      await ex.wait(STALL_MS);
      return;
    }
    if (b.cutAfter !== undefined && i >= b.cutAfter) {
      if (b.cutWithError) {
        res.end(errorFrame);
      } else {
        // let what was written reach the peer before the reset, as a real cut connection would
        await ex.wait(30);
        cutConnection(res);
      }
      return;
    }
    res.write(frames[i]);
    if (b.chunkDelayMs && !(await ex.wait(b.chunkDelayMs))) return;
  }
  res.end();
}

/** Splits text into word-sized pieces (keeping the spaces) so that streams have several deltas. */
/** Streams split text into words; a "␞" in the text marks an exact chunk boundary instead. */
export function pieces(text: string): string[] {
  if (text.includes('\u241e')) return text.split('\u241e');
  const out = text.match(/\S+\s*|\s+/g);
  return out ?? [text];
}

/** Splits JSON text into a few fragments, as providers stream tool arguments. */
export function jsonFragments(text: string): string[] {
  if (text.length <= 4) return [text];
  const step = Math.ceil(text.length / 3);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += step) out.push(text.slice(i, i + step));
  return out;
}

export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    let s = '';
    for (const part of content) {
      if (part && typeof part === 'object') {
        const p = part as Record<string, unknown>;
        if (typeof p.text === 'string') s += p.text;
        else if (p.type === 'tool_result') s += textOf(p.content);
      }
    }
    return s;
  }
  return '';
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
