import { describe, expect, it } from 'vitest';
import { compileSafeRegex, UnsafePatternError } from './regex.js';

describe('compileSafeRegex', () => {
  it('matches like RegExp#test for the syntax both engines share', () => {
    const cases: Array<[string, string, string]> = [
      ['^\\d{3}-\\d{4}$', '', '555-1234'],
      ['^[a-z]+$', 'i', 'HeLLo'],
      ['^b$', 'm', 'a\nb'],
      ['a.b', 's', 'a\nb'],
      ['(?<year>\\d{4})', 'u', 'in 2026'],
      ['\\p{L}+', 'u', 'héllo'],
    ];
    for (const [p, f, s] of cases) {
      expect(compileSafeRegex(p, f).test(s)).toBe(new RegExp(p, f).test(s));
      expect(compileSafeRegex(p, f).test('!!!')).toBe(new RegExp(p, f).test('!!!'));
    }
  });

  it('runs patterns that backtrack catastrophically in V8 in linear time', () => {
    for (const p of ['^(?:.|.|.|.|.|.|.|.|.|.)*X$', '^(a+)+$', '^(\\w+\\s?)*$']) {
      const re = compileSafeRegex(p);
      const input = `${'a'.repeat(100_000)}!`;
      const t0 = performance.now();
      expect(re.test(input)).toBe(false);
      expect(performance.now() - t0).toBeLessThan(1000);
    }
  });

  it('refuses what cannot run in linear time, and says so', () => {
    expect(() => compileSafeRegex('(a)\\1')).toThrow(/backreferences/);
    expect(() => compileSafeRegex('(?<n>a)\\k<n>')).toThrow(/backreferences/);
    expect(() => compileSafeRegex('a(?!b)')).toThrow(/lookahead and lookbehind/);
    expect(() => compileSafeRegex('(?<=a)b')).toThrow(/lookahead and lookbehind/);
    expect(() => compileSafeRegex('a{2000}')).toThrow(/RE2 syntax/);
    expect(() => compileSafeRegex('x'.repeat(100), '', 50)).toThrow(/at most 50/);
    expect(() => compileSafeRegex('a', 'q')).toThrow(UnsafePatternError);
  });
});
