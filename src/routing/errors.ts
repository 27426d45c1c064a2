import type { CancelSignal } from '../canonical/cancel.js';
import { type ErrorCode, KeelError } from '../errors.js';
import { UpstreamError, type UpstreamErrorKind } from '../providers/types.js';

const CODE: Record<UpstreamErrorKind, ErrorCode> = {
  rate_limit: 'upstream_rate_limited',
  server: 'upstream_error',
  timeout: 'upstream_timeout',
  connection: 'upstream_unavailable',
  auth: 'upstream_auth',
  not_found: 'upstream_error',
  invalid_response: 'upstream_invalid_response',
  stream_interrupted: 'stream_interrupted',
  bad_request: 'upstream_bad_request',
  unsupported: 'unsupported_feature',
  blocked: 'upstream_unavailable',
};

const WHY: Record<UpstreamErrorKind, string> = {
  rate_limit: 'is rate-limiting Keel',
  server: 'returned a server error',
  timeout: 'did not answer in time',
  connection: 'could not be reached',
  auth: "rejected Keel's credentials (an operator must fix the provider key)",
  not_found: 'does not know the upstream model',
  invalid_response: 'returned a response Keel could not understand',
  stream_interrupted: 'cut the stream before it finished',
  bad_request: 'rejected the request',
  unsupported: 'cannot do what was asked',
  blocked: 'is at an address Keel refuses to call (egress policy)',
};

// Compiled once: error paths may be hot when an upstream is down.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;
const SECRET_PARAMS = /([?&](?:key|api[_-]?key|access_token|token|sig|signature)=)[^&\s"']+/gi;
const MAX_DETAIL = 300;

/** Upstream text is shown to clients only after credentials in URLs / query strings are masked. */
export function scrub(text: string): string {
  const s = text.replace(URL_CREDENTIALS, '$1***@').replace(SECRET_PARAMS, '$1***');
  return s.length > MAX_DETAIL ? `${s.slice(0, MAX_DETAIL)}…` : s;
}

/**
 * Adapters should throw only UpstreamError; anything else is an adapter bug on an unexpected
 * upstream reply, which is treated as an invalid response so the next target still gets a chance.
 */
export function asUpstreamError(e: unknown): UpstreamError {
  if (e instanceof UpstreamError) return e;
  return new UpstreamError('invalid_response', 'provider adapter failed', { cause: e });
}

export interface FailureContext {
  /** The client's model name. */
  model: string;
  /** The fallback model that was being tried, when it was not the requested one. */
  via?: string | undefined;
  provider: string;
  upstreamModel: string;
  attempts: number;
}

/** The client-facing error for the last upstream failure: which model failed, where and why. */
export function mapUpstreamError(err: UpstreamError, ctx: FailureContext): KeelError {
  const opts = { cause: err, upstreamStatus: err.status, retryAfter: retryAfterS(err) };
  if (err.kind === 'bad_request' && err.upstreamMessage) {
    return new KeelError('upstream_bad_request', scrub(err.upstreamMessage), opts);
  }
  if (err.kind === 'unsupported') {
    const detail = err.upstreamMessage ?? err.message;
    return new KeelError('unsupported_feature', `Model \`${ctx.model}\`: ${scrub(detail)}`, opts);
  }
  let msg = `Model \`${ctx.model}\` failed${via(ctx)}: provider \`${ctx.provider}\``;
  if (err.kind === 'not_found') msg += ` does not know the upstream model \`${ctx.upstreamModel}\``;
  else msg += ` ${WHY[err.kind]}`;
  if (err.status !== undefined) msg += ` (HTTP ${err.status})`;
  if (err.upstreamMessage && err.kind !== 'auth') msg += `: ${scrub(err.upstreamMessage)}`;
  msg += ctx.attempts === 1 ? '.' : ` (${ctx.attempts} attempts).`;
  return new KeelError(CODE[err.kind], msg, opts);
}

function via(ctx: FailureContext): string {
  return ctx.via === undefined ? '' : ` (last tried fallback \`${ctx.via}\`)`;
}

function retryAfterS(err: UpstreamError): number | undefined {
  return err.kind === 'rate_limit' && err.retryAfter !== undefined ? Math.ceil(err.retryAfter) : undefined;
}

export function circuitsOpenError(model: string, retryInMs: number, rateLimited = false): KeelError {
  if (rateLimited)
    return new KeelError(
      'upstream_rate_limited',
      `Model \`${model}\` is rate-limited by its provider, which asked Keel to wait; retry later.`,
      { retryAfter: Math.max(1, Math.ceil(retryInMs / 1000)) },
    );
  return new KeelError(
    'upstream_unavailable',
    `Model \`${model}\` is temporarily unavailable: every target failed repeatedly and is paused; retry later.`,
    { retryAfter: Math.max(1, Math.ceil(retryInMs / 1000)) },
  );
}

/**
 * The client went away (or the pipeline gave up) before an answer came. The error mostly serves the
 * usage record; no client is left to read it.
 */
export function cancelledError(model: string, signal: CancelSignal): KeelError {
  const reason: unknown = signal.reason;
  const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
  return timedOut
    ? new KeelError('upstream_timeout', `The request to model \`${model}\` ran out of time.`, {
        cause: reason,
      })
    : new KeelError('client_closed', `The request to model \`${model}\` was cancelled before it finished.`, {
        cause: reason,
      });
}

export function streamInterruptedError(err: UpstreamError, ctx: FailureContext): KeelError {
  let msg = `The stream from model \`${ctx.model}\`${via(ctx)} was interrupted after it started: provider \`${ctx.provider}\` ${WHY[err.kind]}`;
  if (err.upstreamMessage) msg += `: ${scrub(err.upstreamMessage)}`;
  return new KeelError('stream_interrupted', `${msg}.`, { cause: err, upstreamStatus: err.status });
}
