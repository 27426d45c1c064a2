import type { CancelSignal } from '../../canonical/cancel.js';
import { isTimeoutReason } from '../shared/http.js';
import { UpstreamError } from '../types.js';

/**
 * What an aborted call throws, matching the HTTP adapters (shared/http.ts): a timeout becomes
 * UpstreamError('timeout') so the router can retry or fall back; any other abort means the client
 * went away, and its reason is rethrown unchanged because there is nothing left to retry for.
 */
export function abortError(signal: CancelSignal): unknown {
  const reason: unknown = signal.reason;
  if (reason instanceof UpstreamError) return reason;
  if (isTimeoutReason(reason))
    return new UpstreamError('timeout', 'simulator: request timed out', { cause: reason });
  return reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** Resolves after `ms`, or rejects promptly when `signal` aborts. */
export function sleep(ms: number, signal: CancelSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unlink();
      resolve();
    }, ms);
    const unlink = signal.onAbort(() => {
      clearTimeout(timer);
      reject(abortError(signal));
    });
  });
}
