import { type KeelError, toKeelError } from '../errors.js';

/**
 * The one place KeelErrors become HTTP: status from the error table, body in the caller's API shape.
 */

type ApiShape = 'openai' | 'anthropic';

/** Anthropic's error `type` values, by HTTP status. */
function anthropicType(e: KeelError): string {
  switch (e.status) {
    case 400:
    case 413:
    case 415:
      return e.status === 413 ? 'request_too_large' : 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return 'api_error';
  }
}

export function errorBody(e: KeelError, shape: ApiShape): Record<string, unknown> {
  if (shape === 'anthropic') return { type: 'error', error: { type: anthropicType(e), message: e.message } };
  return { error: { message: e.message, type: e.type, code: e.code, param: e.param } };
}

function errorHeaders(e: KeelError, requestId: string): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json', 'x-keel-request-id': requestId };
  if (e.retryAfter !== undefined) h['retry-after'] = String(Math.max(1, Math.ceil(e.retryAfter)));
  // The official SDKs obey this header before their status rules: a spent budget is not retried.
  if (e.code === 'budget_exceeded') h['x-should-retry'] = 'false';
  return h;
}

export function errorResponse(err: unknown, shape: ApiShape, requestId: string): Response {
  const e = toKeelError(err);
  return new Response(JSON.stringify(errorBody(e, shape)), {
    status: e.status,
    headers: errorHeaders(e, requestId),
  });
}

/** An error as a stream event, for failures after the first byte was sent. */
export function streamErrorEvent(err: unknown, shape: ApiShape): string {
  const e = toKeelError(err);
  if (shape === 'anthropic') return `event: error\ndata: ${JSON.stringify(errorBody(e, 'anthropic'))}\n\n`;
  return `data: ${JSON.stringify(errorBody(e, 'openai'))}\n\n`;
}
