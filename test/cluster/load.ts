import OpenAI from 'openai';
import { MODEL } from './cluster.js';

export function client(baseUrl: string, apiKey: string): OpenAI {
  return new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey, maxRetries: 0, timeout: 15_000 });
}

export interface CallOutcome {
  /** HTTP status, or 0 when no answer arrived (connection refused or cut). */
  status: number;
  requestId: string | null;
  stream: boolean;
  /** For streams: the answer ended cleanly (the client saw the whole answer). */
  complete: boolean;
  /** Keel's error code, when it refused the call. */
  code: string | null;
  /** The replica nginx sent the call to (the test's nginx adds x-test-upstream). */
  upstream: string | null;
}

/** One chat completion through the official SDK; never throws. */
export async function call(c: OpenAI, opts: { stream?: boolean; text?: string } = {}): Promise<CallOutcome> {
  const messages = [{ role: 'user' as const, content: opts.text ?? 'say something short' }];
  try {
    if (opts.stream) {
      const { data, response } = await c.chat.completions
        .create({
          model: MODEL,
          messages,
          max_tokens: 20,
          stream: true,
          stream_options: { include_usage: true },
        })
        .withResponse();
      const requestId = response.headers.get('x-keel-request-id');
      try {
        for await (const _ of data) {
          // drain: the call counts as answered only once the stream ended cleanly
        }
        return {
          status: response.status,
          requestId,
          stream: true,
          complete: true,
          code: null,
          upstream: response.headers.get('x-test-upstream'),
        };
      } catch {
        return {
          status: response.status,
          requestId,
          stream: true,
          complete: false,
          code: null,
          upstream: response.headers.get('x-test-upstream'),
        };
      }
    }
    const { response } = await c.chat.completions
      .create({ model: MODEL, messages, max_tokens: 20 })
      .withResponse();
    return {
      status: response.status,
      requestId: response.headers.get('x-keel-request-id'),
      stream: false,
      complete: true,
      code: null,
      upstream: response.headers.get('x-test-upstream'),
    };
  } catch (e) {
    if (e instanceof OpenAI.APIError && e.status !== undefined)
      return {
        status: e.status,
        requestId: e.headers?.get('x-keel-request-id') ?? null,
        stream: opts.stream === true,
        complete: false,
        code: typeof e.code === 'string' ? e.code : null,
        upstream: e.headers?.get('x-test-upstream') ?? null,
      };
    return {
      status: 0,
      requestId: null,
      stream: opts.stream === true,
      complete: false,
      code: null,
      upstream: null,
    };
  }
}

/** `total` calls with at most `concurrency` in flight. */
export async function burst(
  total: number,
  concurrency: number,
  one: (i: number) => Promise<CallOutcome>,
): Promise<CallOutcome[]> {
  const out: CallOutcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      out.push(await one(i));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return out;
}

/** Calls in a loop on `workers` connections until `stop()` resolves. */
export function sustained(
  workers: number,
  one: (i: number) => Promise<CallOutcome>,
): { outcomes: CallOutcome[]; stop(): Promise<CallOutcome[]> } {
  const outcomes: CallOutcome[] = [];
  let running = true;
  let n = 0;
  const loops = Array.from({ length: workers }, async () => {
    while (running) outcomes.push(await one(n++));
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

export function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of items) {
    const k = key(t);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
