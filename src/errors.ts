/**
 * One error taxonomy for all of Keel. Every failure that reaches a client is a KeelError with a
 * stable `code`; the HTTP status and the wire shape (OpenAI or Anthropic) are derived in one place
 * (src/http/errors.ts), so a code never maps to two statuses.
 */

export const ERROR_CODES = {
  // client mistakes
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_request: { status: 400, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  body_too_large: { status: 413, type: 'invalid_request_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  /** No route at that method and path (as opposed to `not_found`: no such id on a route that exists). */
  route_not_found: { status: 404, type: 'invalid_request_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  /** The object is no longer in a state that allows the change (e.g. a held MCP call already decided or expired). */
  conflict: { status: 409, type: 'invalid_request_error' },
  // access
  missing_api_key: { status: 401, type: 'authentication_error' },
  invalid_api_key: { status: 401, type: 'authentication_error' },
  permission_denied: { status: 403, type: 'permission_error' },
  /** /api: no, unknown or revoked admin credential, or the admin API is closed (no token configured). */
  admin_auth_required: { status: 401, type: 'authentication_error' },
  /** /api: the admin's role is below what the route needs. */
  forbidden_role: { status: 403, type: 'permission_error' },
  /** /api and /auth/logout with a session cookie: a state-changing request without the session's x-keel-csrf token. */
  csrf_failed: { status: 403, type: 'permission_error' },
  tool_not_allowed: { status: 403, type: 'permission_error' },
  /** /mcp: an operator denied a call held for approval. */
  approval_denied: { status: 403, type: 'permission_error' },
  /** /mcp: no operator decided a held call in time (`mcp.approvals.timeout`); it counts as denied. */
  approval_expired: { status: 403, type: 'permission_error' },
  // guards: input refused before any upstream call, or an answer stopped on its way back
  prompt_injection_detected: { status: 400, type: 'invalid_request_error' },
  pii_detected: { status: 400, type: 'invalid_request_error' },
  secret_detected: { status: 400, type: 'invalid_request_error' },
  output_blocked: { status: 502, type: 'api_error' },
  tool_call_blocked: { status: 502, type: 'api_error' },
  // limits
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  /** 402, not 429: SDKs retry 429 (three times by default) but not 402; a budget does not refill in seconds. */
  budget_exceeded: { status: 402, type: 'insufficient_quota' },
  // upstream
  upstream_error: { status: 502, type: 'api_error' },
  upstream_invalid_response: { status: 502, type: 'api_error' },
  upstream_timeout: { status: 504, type: 'api_error' },
  upstream_unavailable: { status: 503, type: 'api_error' },
  upstream_rate_limited: { status: 429, type: 'rate_limit_error' },
  upstream_bad_request: { status: 400, type: 'invalid_request_error' },
  upstream_auth: { status: 502, type: 'api_error' },
  stream_interrupted: { status: 502, type: 'api_error' },
  unsupported_feature: { status: 400, type: 'invalid_request_error' },
  /** The client went away before the answer was complete (nginx's 499). */
  client_closed: { status: 499, type: 'invalid_request_error' },
  // Keel itself
  not_ready: { status: 503, type: 'api_error' },
  /** A store behind a check (budgets, rate limits, an external guard) did not answer; failure_policy is closed. */
  store_unavailable: { status: 503, type: 'api_error' },
  internal_error: { status: 500, type: 'api_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface KeelErrorOptions {
  param?: string | null;
  /** Seconds the client should wait before retrying (sets `retry-after`). */
  retryAfter?: number;
  /** Upstream HTTP status, when the error came from a provider. */
  upstreamStatus?: number;
  cause?: unknown;
}

export class KeelError extends Error {
  readonly code: ErrorCode;
  readonly param: string | null;
  readonly retryAfter: number | undefined;
  readonly upstreamStatus: number | undefined;

  constructor(code: ErrorCode, message: string, opts: KeelErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KeelError';
    this.code = code;
    this.param = opts.param ?? null;
    this.retryAfter = opts.retryAfter;
    this.upstreamStatus = opts.upstreamStatus;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  get type(): string {
    return ERROR_CODES[this.code].type;
  }
}

export function isKeelError(e: unknown): e is KeelError {
  return e instanceof KeelError;
}

/** Wrap anything thrown into a KeelError without leaking internals (stack, secrets) to clients. */
export function toKeelError(e: unknown): KeelError {
  if (e instanceof KeelError) return e;
  return new KeelError(
    'internal_error',
    'Keel hit an internal error; see the server log for the request id.',
    {
      cause: e,
    },
  );
}
