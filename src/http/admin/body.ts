import { KeelError } from '../../errors.js';
import { readJsonBody } from '../body.js';

/** Admin bodies are small: a key with 1000 scope entries still fits well inside this. */
export const ADMIN_MAX_BODY = 1024 * 1024;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

/**
 * The JSON object body of an admin call. Unlike /v1 (where SDKs sometimes omit the header) the
 * admin API insists on a JSON Content-Type, so a form post or a text body is a clean 415. With
 * `optional`, an empty body is `{}`.
 */
export async function readAdminBody(
  req: Request,
  opts: { optional?: boolean; maxBytes?: number } = {},
): Promise<Record<string, unknown>> {
  const max = opts.maxBytes ?? ADMIN_MAX_BODY;
  const type = req.headers.get('content-type');
  if (opts.optional && (!req.body || req.headers.get('content-length') === '0')) return {};
  if (!type || !JSON_TYPE.test(type.trim())) {
    if (opts.optional && !type && (await isEmpty(req))) return {};
    throw new KeelError(
      'unsupported_media_type',
      type
        ? `Expected Content-Type application/json, got "${type.slice(0, 100)}".`
        : 'Expected Content-Type application/json.',
    );
  }
  return (await readJsonBody(req, max)) as Record<string, unknown>;
}

/** Whether a body without a Content-Type is empty; stops at the first byte. */
async function isEmpty(req: Request): Promise<boolean> {
  if (!req.body) return true;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return true;
    if (value.byteLength > 0) {
      await reader.cancel().catch(() => {});
      return false;
    }
  }
}
