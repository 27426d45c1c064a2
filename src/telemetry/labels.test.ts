import { describe, expect, it } from 'vitest';
import { LabelLimiter, LabelTree, OVERFLOW_LABEL, statusClass } from './labels.js';

describe('LabelLimiter', () => {
  it('admits the first N distinct values and collapses the rest into "other"', () => {
    const l = new LabelLimiter(2);
    expect(l.value('a')).toBe('a');
    expect(l.value('b')).toBe('b');
    expect(l.value('c')).toBe('other');
    expect(l.value('a')).toBe('a');
    expect(l.size).toBe(2);
  });

  it('maps absent values to "none" and over-long ones to "other"', () => {
    const l = new LabelLimiter(10);
    expect(l.value(null)).toBe('none');
    expect(l.value('')).toBe('none');
    expect(l.value('x'.repeat(129))).toBe('other');
    expect(l.size).toBe(0);
  });
});

describe('statusClass', () => {
  it('classes HTTP statuses', () => {
    expect([200, 201, 301, 400, 429, 499, 502, 504].map(statusClass)).toEqual([
      '2xx',
      '2xx',
      '3xx',
      '4xx',
      '4xx',
      '4xx',
      '5xx',
      '5xx',
    ]);
    expect(statusClass(0)).toBe('other');
    expect(statusClass(600)).toBe('other');
  });
});

describe('LabelTree', () => {
  it('finds values by path, independent of the path buffer it was stored with', () => {
    const t = new LabelTree<number>(3);
    const path = ['a', 'b', 'c'];
    t.set(path, 1);
    path[2] = 'd';
    expect(t.get(path)).toBeUndefined();
    t.set(path, 2);
    expect(t.get(['a', 'b', 'c'])).toBe(1);
    expect(t.get(['a', 'b', 'd'])).toBe(2);
    expect(t.get(['a', 'x', 'c'])).toBeUndefined();
  });

  it('starts over past its leaf budget instead of growing without bound', () => {
    const t = new LabelTree<number>(1, 2);
    t.set(['a'], 1);
    t.set(['b'], 2);
    t.set(['c'], 3);
    expect(t.get(['a'])).toBeUndefined();
    expect(t.get(['c'])).toBe(3);
  });
});

describe('LabelLimiter with a known-values filter', () => {
  it('maps every value the filter rejects to "other", however few have been seen', () => {
    const l = new LabelLimiter(100, (v) => v.startsWith('ok-'));
    expect(l.value('ok-a')).toBe('ok-a');
    expect(l.value('sk-live-pasted-secret')).toBe(OVERFLOW_LABEL);
    expect(l.size).toBe(1);
  });
});
