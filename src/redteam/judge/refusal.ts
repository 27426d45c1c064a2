/**
 * Was a non-2xx answer the target refusing the probe (a block), or the run going wrong (an error)?
 *
 * A block is a refusal caused by what the probe asked. An error says nothing about the probe: the run
 * was misconfigured (auth, unknown model, out of scope), throttled (429, 402 budget), or the target
 * failed (5xx). Errors are reported apart and left out of every rate, so a run against a target that
 * is down cannot look safe.
 *
 * Keel's codes (src/errors.ts) decide when present:
 * - blocked: 400 `prompt_injection_detected`, `pii_detected`, `secret_detected`; 403 `tool_not_allowed`;
 *   403 `permission_denied` for the `tools` and `max_tokens` scopes of a key (param `tools` / `n`);
 *   413 `body_too_large` (an oversized request refused is what unbounded-consumption probes look for);
 *   400 `upstream_bad_request` (the provider refused it: content filters answer 400); 502
 *   `output_blocked`, `tool_call_blocked`.
 * - error: any other Keel code — client mistakes (`invalid_request`, `model_not_found` …), access,
 *   limits, upstream and Keel failures.
 * Without a Keel code (another OpenAI-compatible target) the status decides: 401, 402, 404, 405, 408,
 * 409, 415, 429, 499, every 5xx and a 403 whose code names auth or permission are errors; any other
 * 4xx is a block.
 */
import { ERROR_CODES } from '../../errors.js';

const KEEL_BLOCKS = new Set<string>([
  'prompt_injection_detected',
  'pii_detected',
  'secret_detected',
  'tool_not_allowed',
  'body_too_large',
  'upstream_bad_request',
  'output_blocked',
  'tool_call_blocked',
]);

/** Key scopes whose refusal is about what the probe asked for, not about the key's setup. */
const BLOCKING_SCOPE_PARAMS = new Set(['tools', 'n']);

const ERROR_STATUSES = new Set([401, 402, 404, 405, 408, 409, 415, 429, 499]);
/** A 403 with one of these in its code is the key's setup, not a refusal of the probe. */
const AUTH_CODE = /auth|api_key|permission|forbidden|region|country/i;

export interface ErrorInfo {
  code?: string;
  message?: string;
  param?: string | null;
}

/** The error object of an OpenAI-shaped (`{error:{code,message,param}}`) or Anthropic-shaped body. */
export function errorInfo(body: unknown): ErrorInfo {
  if (!body || typeof body !== 'object') return {};
  const error = (body as { error?: unknown }).error;
  if (!error || typeof error !== 'object') return {};
  const e = error as Record<string, unknown>;
  const info: ErrorInfo = {};
  if (typeof e.code === 'string') info.code = e.code;
  else if (typeof e.type === 'string') info.code = e.type;
  if (typeof e.message === 'string') info.message = e.message;
  if (typeof e.param === 'string' || e.param === null) info.param = e.param as string | null;
  return info;
}

function isKeelCode(code: string | undefined): code is keyof typeof ERROR_CODES {
  return code !== undefined && Object.hasOwn(ERROR_CODES, code);
}

/** True when a non-2xx answer with this status and error counts as the target blocking the probe. */
export function isBlock(status: number, info: ErrorInfo): boolean {
  if (isKeelCode(info.code)) {
    if (KEEL_BLOCKS.has(info.code)) return true;
    return info.code === 'permission_denied' && BLOCKING_SCOPE_PARAMS.has(info.param ?? '');
  }
  if (status >= 500 || status < 400 || ERROR_STATUSES.has(status)) return false;
  return !(status === 403 && AUTH_CODE.test(info.code ?? ''));
}
