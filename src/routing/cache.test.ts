import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../canonical/types.js';
import { cacheKey, LruTtlCache } from './cache.js';
import { chatReq } from './testkit.js';

describe('cacheKey', () => {
  it('ignores stream / includeUsage and the order keys were written in', () => {
    const a = chatReq('hello', {
      temperature: 0,
      tools: [{ name: 'f', parameters: { type: 'object', a: 1, b: 2 } }],
    });
    const b: ChatRequest = {
      stream: true,
      includeUsage: true,
      tools: [{ parameters: { b: 2, a: 1, type: 'object' }, name: 'f' }],
      temperature: 0,
      messages: [{ content: [{ text: 'hello', type: 'text' }], role: 'user' }],
      model: 'chat',
    };
    expect(cacheKey(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheKey(b)).toBe(cacheKey(a));
    expect(cacheKey({ ...a, maxTokens: undefined })).toBe(cacheKey(a));
  });

  it('differs on anything else: text, model, sampling, user, passthrough', () => {
    const base = chatReq('hello');
    const k = cacheKey(base);
    expect(cacheKey(chatReq('hello!'))).not.toBe(k);
    expect(cacheKey({ ...base, model: 'other' })).not.toBe(k);
    expect(cacheKey({ ...base, temperature: 0.7 })).not.toBe(k);
    expect(cacheKey({ ...base, n: 2 })).not.toBe(k);
    expect(cacheKey({ ...base, user: 'u1' })).not.toBe(k);
    expect(cacheKey({ ...base, passthrough: { logprobs: true } })).not.toBe(k);
    // No ambiguity between a string and what it would serialise to.
    expect(cacheKey(chatReq('a","b'))).not.toBe(cacheKey({ ...chatReq('a'), stop: ['b'] }));
  });
});

describe('LruTtlCache', () => {
  it('expires entries after their own TTL', () => {
    const clock = { t: 0 };
    const c = new LruTtlCache<string>(10, () => clock.t);
    c.set('a', 'A', 100);
    c.set('b', 'B', 500);
    clock.t = 99;
    expect(c.get('a')).toBe('A');
    clock.t = 100;
    expect(c.get('a')).toBeUndefined();
    expect(c.get('b')).toBe('B');
    expect(c.size).toBe(1);
  });

  it('evicts the least recently used entry beyond max_entries', () => {
    const c = new LruTtlCache<string>(2, () => 0);
    c.set('a', 'A', 1000);
    c.set('b', 'B', 1000);
    expect(c.get('a')).toBe('A'); // b is now least recent
    c.set('c', 'C', 1000);
    expect(c.size).toBe(2);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe('A');
    expect(c.get('c')).toBe('C');
  });

  it('stores nothing with a TTL of 0', () => {
    const c = new LruTtlCache<string>(2, () => 0);
    c.set('a', 'A', 0);
    expect(c.get('a')).toBeUndefined();
  });
});
