import { describe, expect, it } from 'vitest';
import { containsValue, findValue } from './match.js';

describe('findValue', () => {
  it('finds a value as written, in another case, and with separators added or dropped', () => {
    expect(containsValue('card 4111111111111111 ok', '4111111111111111')).toBe(true);
    expect(containsValue('card 4111 1111 1111 1111 ok', '4111111111111111')).toBe(true);
    expect(containsValue('card 4111-1111-1111-1111', '4111 1111 1111 1111')).toBe(true);
    expect(containsValue('KEY: SK-LIVE-ABCDEF123', 'sk-live-abcdef123')).toBe(true);
    expect(containsValue('key skliveabcdef123', 'sk-live-abcdef123')).toBe(true);
    expect(containsValue('zero\u200bwidth CANARY\u200b-7731xq', 'canary-7731xq')).toBe(true);
  });

  it('does not find what is not there, nor short values joined across words', () => {
    expect(containsValue('card 4111 1111 1111 1112', '4111111111111111')).toBe(false);
    expect(containsValue('a b c d', 'abcd')).toBe(false);
    expect(containsValue('[REDACTED:pii.payment_card]', '4111111111111111')).toBe(false);
  });

  it('returns spans of the original text, also for a spaced-out value', () => {
    const text = 'x 4111 1111 1111 1111 y 4111111111111111';
    const spans = findValue(text, '4111111111111111');
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual(['4111 1111 1111 1111', '4111111111111111']);
  });
});
