import { expect } from 'vitest';
import { obj } from './fixtures.js';

/** A raw HTTP reply, for tests that must see exactly what went over the wire. */
export interface Reply {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: unknown;
  text: string;
}

export async function send(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // left as text; the assertions will say so
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** POSTs JSON (or a raw string, sent verbatim) with content-type application/json. */
export const postJson = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> =>
  send(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

/** Asserts status, request id and the OpenAI error shape `{"error":{message,type,code,param}}`; returns the error. */
export function expectOpenAIError(
  r: Reply,
  status: number,
  code: string | string[],
): Record<string, unknown> {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/application\/json/);
  expect(r.headers.get('x-keel-request-id')).toBeTruthy();
  const err = obj(obj(r.body).error);
  expect(typeof err.message).toBe('string');
  expect(String(err.message).length).toBeGreaterThan(0);
  expect(typeof err.type).toBe('string');
  expect('param' in err).toBe(true);
  expect(Array.isArray(code) ? code : [code]).toContain(err.code);
  return err;
}

/** Asserts status, request id and the Anthropic error shape `{"type":"error","error":{type,message}}`. */
export function expectAnthropicError(r: Reply, status: number): Record<string, unknown> {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('x-keel-request-id')).toBeTruthy();
  const body = obj(r.body);
  expect(body.type).toBe('error');
  const err = obj(body.error);
  expect(typeof err.type).toBe('string');
  expect(typeof err.message).toBe('string');
  return err;
}
