import { describe, expect, it } from 'vitest';
import { canonicalJson } from './chain.js';
import { isSecretKeyName, maskDetails, maskSecretValue, maskString } from './mask.js';

const KEEL_KEY = 'sk-keel-Zx9AbCdEfGhIjKlMnOpQrStUvWxYz0123456789ab';
const OPENAI_KEY = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
const ANTHROPIC_KEY = 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
const ADMIN_TOKEN = 'keel-admin-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';

describe('isSecretKeyName', () => {
  it.each([
    'key',
    'api_key',
    'apiKey',
    'APIKEY',
    'x-api-key',
    'token',
    'access_token',
    'refreshToken',
    'secret',
    'client_secret',
    'Password',
    'new_password',
    'authorization',
    'Proxy-Authorization',
    'signing_key',
    'secret_value',
  ])('%s is secret', (name) => expect(isSecretKeyName(name)).toBe(true));

  it.each([
    'key_id',
    'keyId',
    'key_prefix',
    'max_tokens',
    'input_tokens',
    'keys',
    'name',
    'secret_name',
    'password_set',
    'tokenizer',
    'monkey',
  ])('%s is not', (name) => expect(isSecretKeyName(name)).toBe(false));
});

describe('maskString', () => {
  it('masks every credential shape inside a string, keeping a short prefix', () => {
    const s = `a ${KEEL_KEY} b ${OPENAI_KEY} c ${ANTHROPIC_KEY} d ${ADMIN_TOKEN} e sk-${'x'.repeat(40)}`;
    const m = maskString(s);
    expect(m).toBe('a sk-keel-Zx9A… b sk-proj-AbCd… c sk-ant-api03-AbCd… d keel-admin-AbCd… e sk-xxxx…');
    for (const secret of [KEEL_KEY, OPENAI_KEY, ANTHROPIC_KEY, ADMIN_TOKEN])
      expect(m).not.toContain(secret.slice(-20));
  });

  it('masks other providers’ key shapes too', () => {
    expect(maskString(`AIza${'A'.repeat(35)}`)).toBe('AIzaAAAA…');
    expect(maskString(`ghp_${'a'.repeat(36)}`)).toBe('ghp_aaaa…');
    expect(maskString('AKIAABCDEFGHIJKLMNOP')).toBe('AKIAABCD…');
  });

  it('leaves ordinary text, key ids and visible prefixes alone', () => {
    for (const s of [
      'key_0123456789abcdef',
      'sk-keel-AbCdEf',
      'task-force-one',
      'the model refused',
      'sk-short',
    ])
      expect(maskString(s)).toBe(s);
  });
});

describe('maskSecretValue', () => {
  it('keeps only a scheme prefix and at most four characters', () => {
    expect(maskSecretValue(KEEL_KEY)).toBe('sk-keel-Zx9A…');
    expect(maskSecretValue(`Bearer ${OPENAI_KEY}`)).toBe('Bearer sk-proj-AbCd…');
    expect(maskSecretValue('correct horse battery staple')).toBe('corr…');
    // Short secrets reveal nothing.
    expect(maskSecretValue('hunter2')).toBe('…');
    expect(maskSecretValue('')).toBe('');
    // Already masked: unchanged, so masking twice is harmless.
    expect(maskSecretValue('sk-keel-Zx9A…')).toBe('sk-keel-Zx9A…');
  });
});

describe('maskDetails', () => {
  it('masks values under secret keys at any depth, and credential shapes anywhere', () => {
    const out = maskDetails({
      name: 'ci',
      key_id: 'key_1',
      api_key: KEEL_KEY,
      nested: { deeper: [{ Authorization: `Bearer ${ADMIN_TOKEN}`, password: 'p4ssw0rd-long-enough' }] },
      token: { value: 'abcdefghijklmnopqrstuvwxyz', count: 3 },
      max_tokens: 100,
      message: `invalid key ${KEEL_KEY}`,
    });
    expect(out).toEqual({
      name: 'ci',
      key_id: 'key_1',
      api_key: 'sk-keel-Zx9A…',
      nested: { deeper: [{ Authorization: 'Bearer keel-admin-AbCd…', password: 'p4ss…' }] },
      token: { value: 'abcd…', count: 3 },
      max_tokens: 100,
      message: 'invalid key sk-keel-Zx9A…',
    });
    expect(JSON.stringify(out)).not.toContain(KEEL_KEY);
  });

  it('caps sizes and keeps hostile keys as data', () => {
    const huge = 'x'.repeat(10_000);
    const list = Array.from({ length: 1500 }, (_, i) => i);
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1}');
    const out = maskDetails({ huge, list, hostile });
    expect((out.huge as string).length).toBeLessThan(2100);
    expect((out.list as unknown[]).length).toBe(1001);
    expect(canonicalJson(out.hostile)).toBe('{"__proto__":{"polluted":true},"constructor":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('snapshots into plain JSON', () => {
    expect(maskDetails(undefined)).toEqual({});
    expect(maskDetails({ at: new Date(0), big: 2n ** 70n, err: new Error(`bad ${KEEL_KEY}`) })).toEqual({
      at: '1970-01-01T00:00:00.000Z',
      big: '1180591620717411303424',
      err: { name: 'Error', message: 'bad sk-keel-Zx9A…' },
    });
  });
});
