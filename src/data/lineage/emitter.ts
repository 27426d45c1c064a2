import type { OLRunEvent } from './openlineage.js';

/**
 * Sends OpenLineage events to an HTTP backend (Marquez and compatibles): POST
 * `{endpoint}/api/v1/lineage` with the event as JSON. Any 2xx is success; 5xx, 429 and network
 * errors are retried with exponential backoff; other 4xx are permanent (the event is wrong, so a
 * retry cannot help). Emission never throws into the data job: the outcome is returned and logged.
 */

interface LineageEmitterOptions {
  endpoint: string;
  /** Sent as `Authorization: Bearer …` when set; never logged. */
  apiKey?: string;
  /** Attempts after the first, for retryable failures (default 3). */
  retries?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  onError?: (message: string) => void;
}

interface EmitOutcome {
  ok: boolean;
  status: number | null;
  attempts: number;
  error?: string;
}

export interface LineageEmitter {
  readonly url: string;
  emit(event: OLRunEvent): Promise<EmitOutcome>;
  /** START then the end event, in order (the backend must see the run open before it closes). */
  emitRun(events: { start: OLRunEvent; end: OLRunEvent }): Promise<EmitOutcome[]>;
}

function lineageUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/api/v1/lineage`;
}

export function createLineageEmitter(opts: LineageEmitterOptions): LineageEmitter {
  const url = lineageUrl(opts.endpoint);
  const doFetch = opts.fetch ?? fetch;
  const retries = opts.retries ?? 3;
  const base = opts.baseDelayMs ?? 200;
  const timeout = opts.timeoutMs ?? 10_000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;

  async function emit(event: OLRunEvent): Promise<EmitOutcome> {
    const body = JSON.stringify(event);
    let last: EmitOutcome = { ok: false, status: null, attempts: 0 };
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(Math.min(base * 2 ** (attempt - 1), 10_000));
      try {
        const res = await doFetch(url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(timeout),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.status >= 200 && res.status < 300)
          return { ok: true, status: res.status, attempts: attempt + 1 };
        last = { ok: false, status: res.status, attempts: attempt + 1, error: `HTTP ${res.status}` };
        if (res.status < 500 && res.status !== 429) break;
      } catch (e) {
        last = { ok: false, status: null, attempts: attempt + 1, error: (e as Error).message };
      }
    }
    opts.onError?.(
      `OpenLineage ${event.eventType} for ${event.job.name} not delivered: ${last.error ?? 'unknown error'}`,
    );
    return last;
  }

  return {
    url,
    emit,
    async emitRun({ start, end }) {
      const a = await emit(start);
      const b = await emit(end);
      return [a, b];
    },
  };
}
