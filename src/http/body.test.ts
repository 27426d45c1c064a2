import { describe, expect, it } from 'vitest';
import { KeelError } from '../errors.js';
import { readJsonBody } from './body.js';

const req = (body: string, type = 'application/json') =>
  new Request('http://x/', { method: 'POST', headers: { 'content-type': type }, body });

describe('readJsonBody', () => {
  it('parses a JSON object', async () => {
    expect(await readJsonBody(req('{"a":[1,{"b":2}]}'), 1000)).toEqual({ a: [1, { b: 2 }] });
  });

  it.each([
    ['not json', '{', 'application/json', 'invalid_json'],
    ['an array', '[1]', 'application/json', 'invalid_request'],
    ['empty', '', 'application/json', 'invalid_json'],
    ['wrong type', '{}', 'text/plain', 'unsupported_media_type'],
    ['too large', JSON.stringify({ a: 'x'.repeat(200) }), 'application/json', 'body_too_large'],
    ['too deep', `{"a":${'['.repeat(150)}${']'.repeat(150)}}`, 'application/json', 'invalid_request'],
  ])('refuses %s with a typed error', async (_name, body, type, code) => {
    const err = await readJsonBody(req(body, type), 100 + (code === 'invalid_request' ? 1000 : 0)).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KeelError);
    expect((err as KeelError).code).toBe(code);
  });

  it('accepts nesting up to the limit', async () => {
    const body = `{"a":${'['.repeat(98)}${']'.repeat(98)}}`;
    expect(await readJsonBody(req(body), 10_000)).toBeTruthy();
  });
});
