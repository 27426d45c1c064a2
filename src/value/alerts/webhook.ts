import { createHmac, randomUUID } from 'node:crypto';

interface WebhookTarget {
  url: string;
  secret: string;
  name?: string | undefined;
}

interface DeliveryPolicy {
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  timeoutMs: number;
}

export interface DeliveryResult {
  webhook: string;
  delivery_id: string;
  event: string;
  status: 'delivered' | 'failed';
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  at: string;
}

export interface WebhookDeps {
  fetch?: typeof fetch;
  /** Resolves after `ms`, or as soon as `stop` is aborted. */
  sleep?: (ms: number, stop?: AbortSignal) => Promise<void>;
  now?: () => number;
  /** 0..1; jitter multiplies each delay by 0.5 + random/2. */
  random?: () => number;
}

/** `sha256=<hex>` of HMAC-SHA256(secret, raw body): what x-keel-signature carries. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** How receivers name a webhook in logs and the API: its configured name, else its host (never the URL: query strings carry tokens). */
export function webhookLabel(w: WebhookTarget): string {
  if (w.name) return w.name;
  try {
    return new URL(w.url).host;
  } catch {
    return 'webhook';
  }
}

/** 408, 425, 429 and 5xx are worth retrying; any other 4xx means the receiver will not take it. */
function retryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * Shutdown controls of a delivery: once `noRetry` is aborted no further attempt starts (a backoff
 * sleep ends at once); `abort` also cancels the attempt in flight.
 */
interface DeliveryStop {
  noRetry: AbortSignal;
  abort: AbortSignal;
}

const SHUTDOWN_MARK = 'Keel shut down';
const SHUTDOWN_ERROR = `not retried: ${SHUTDOWN_MARK}`;
const CANCELLED_ERROR = `cancelled: ${SHUTDOWN_MARK}`;

/** A delivery that failed only because Keel shut down while it was being retried or sent. */
export function cutShortByShutdown(r: DeliveryResult): boolean {
  return r.status === 'failed' && (r.last_error?.endsWith(SHUTDOWN_MARK) ?? false);
}

/** What a LIKE on the stored delivery JSON can pre-filter on. */
export const SHUTDOWN_MARK_SQL = `%${SHUTDOWN_MARK}%`;

function abortableSleep(ms: number, stop?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (stop?.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      stop?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    stop?.addEventListener('abort', done, { once: true });
  });
}

/**
 * POST one event to one webhook, retrying with exponential backoff (and jitter) until it is
 * accepted (2xx), refused for good (4xx) or out of attempts. The body is serialised once, so every
 * attempt carries the same bytes and signature; x-keel-timestamp is also inside the signed body
 * (`sent_at`), so receivers can reject replays.
 */
export async function deliver(
  w: WebhookTarget,
  event: string,
  payload: Record<string, unknown>,
  policy: DeliveryPolicy,
  deps: WebhookDeps = {},
  stop?: DeliveryStop,
): Promise<DeliveryResult> {
  const doFetch = deps.fetch ?? fetch;
  const sleep = deps.sleep ?? abortableSleep;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const deliveryId = `dlv_${randomUUID().replaceAll('-', '')}`;
  const sentAt = now();
  const body = JSON.stringify({
    id: deliveryId,
    type: event,
    sent_at: new Date(sentAt).toISOString(),
    ...payload,
  });
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'keel-alerts/1',
    'x-keel-event': event,
    'x-keel-delivery': deliveryId,
    'x-keel-timestamp': String(Math.floor(sentAt / 1000)),
    'x-keel-signature': signBody(w.secret, body),
  };
  let lastStatus: number | null = null;
  let lastError: string | null = null;
  let attempt = 0;
  while (attempt < policy.maxAttempts) {
    if (stop?.noRetry.aborted) {
      if (lastError !== CANCELLED_ERROR)
        lastError = lastError ? `${lastError}; ${SHUTDOWN_ERROR}` : SHUTDOWN_ERROR;
      break;
    }
    attempt++;
    try {
      const timeout = AbortSignal.timeout(policy.timeoutMs);
      const res = await doFetch(w.url, {
        method: 'POST',
        headers,
        body,
        signal: stop ? AbortSignal.any([timeout, stop.abort]) : timeout,
        redirect: 'manual',
      });
      lastStatus = res.status;
      lastError = null;
      await res.body?.cancel().catch(() => {});
      if (res.status >= 200 && res.status < 300) return result('delivered');
      lastError = `HTTP ${res.status}`;
      if (!retryable(res.status)) return result('failed');
    } catch (e) {
      lastStatus = null;
      lastError = stop?.abort.aborted
        ? CANCELLED_ERROR
        : e instanceof Error
          ? e.name === 'TimeoutError'
            ? 'timeout'
            : e.message
          : String(e);
    }
    if (attempt < policy.maxAttempts) {
      const base = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (attempt - 1));
      await sleep(base * (0.5 + random() / 2), stop?.noRetry);
    }
  }
  return result('failed');

  function result(status: 'delivered' | 'failed'): DeliveryResult {
    return {
      webhook: webhookLabel(w),
      delivery_id: deliveryId,
      event,
      status,
      attempts: attempt,
      last_status: lastStatus,
      // Errors from fetch can quote the URL; keep only the first line, cut short.
      last_error:
        lastError === null
          ? null
          : (lastError.split('\n')[0] ?? '').slice(0, 200).replace(w.url, webhookLabel(w)),
      at: new Date(now()).toISOString(),
    };
  }
}
