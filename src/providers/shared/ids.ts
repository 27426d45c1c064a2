import { randomUUID } from 'node:crypto';

/** An opaque id in OpenAI's style (e.g. `call_…`, `chatcmpl-…`) for things an upstream left unnamed. */
export function randomId(prefix: string): string {
  return prefix + randomUUID().replaceAll('-', '').slice(0, 24);
}
