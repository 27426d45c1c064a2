import { KeelError } from '../errors.js';

/** JSON bodies only: `application/json` or a `+json` type; a missing type is accepted. */
export function checkContentType(type: string | undefined): void {
  if (type && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type.trim()))
    throw new KeelError(
      'unsupported_media_type',
      `Expected Content-Type application/json, got "${type.slice(0, 100)}".`,
    );
}

export function tooLarge(max: number): KeelError {
  return new KeelError('body_too_large', `The request body exceeds the limit of ${max} bytes.`);
}

/** Parse a request body's text: a JSON object, not nested absurdly deep. */
export function parseJsonText(text: string): unknown {
  if (text.length === 0)
    throw new KeelError('invalid_json', 'The request body is empty; expected a JSON object.');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new KeelError('invalid_json', `The request body is not valid JSON: ${(e as Error).message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new KeelError('invalid_request', 'The request body must be a JSON object.');
  if (tooDeep(body, MAX_DEPTH))
    throw new KeelError('invalid_request', `The request body is nested deeper than ${MAX_DEPTH} levels.`);
  return body;
}

/**
 * JSON.parse accepts any depth, but re-serialising a very deep value for the upstream overflows the
 * stack — which would look like a provider failure and trip the circuit breaker for everyone.
 */
const MAX_DEPTH = 100;

function tooDeep(root: object, max: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (d > max) return true;
    const children: unknown[] = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    for (const x of children) if (x !== null && typeof x === 'object') stack.push([x, d + 1]);
  }
  return false;
}

/** Read and parse a Web `Request`'s JSON body, enforcing the size limit while reading. */
export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  checkContentType(req.headers.get('content-type') ?? undefined);
  if (Number(req.headers.get('content-length') ?? Number.NaN) > maxBytes) throw tooLarge(maxBytes);
  if (!req.body) return parseJsonText('');
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return parseJsonText(Buffer.concat(chunks).toString('utf8'));
}
