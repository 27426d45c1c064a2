import { describe, expect, it } from 'vitest';
import { detectInjection } from './injection/index.js';
import { createScreeningMemo, MEMO_MIN_CHARS } from './memo.js';
import { detectPii } from './pii/index.js';
import type { DetectorResult } from './types.js';

const TEXT = 'Please summarise the attached chapter in three short bullet points for my book club.';

function fail(): never {
  throw new Error('screened again: the memo did not hold the result');
}

function counting(detect: (t: string) => DetectorResult) {
  const calls: string[] = [];
  return {
    calls,
    run: (t: string) => {
      calls.push(t);
      return detect(t);
    },
  };
}

describe('screening memo', () => {
  it('screens a text once per detector and hands back the same result afterwards', () => {
    const memo = createScreeningMemo();
    const inj = counting(detectInjection);
    const first = memo.slot(TEXT).result('injection', inj.run);
    const again = memo.slot(TEXT).result('injection', inj.run);
    expect(inj.calls).toHaveLength(1);
    expect(again).toEqual(first);
    // Another detector on the same text is a separate result.
    const pii = counting(detectPii);
    memo.slot(TEXT).result('pii', pii.run);
    expect(pii.calls).toEqual([TEXT]);
    expect(memo.size).toBe(1);
  });

  it('keeps callers apart: a text one key sent is screened afresh for another', () => {
    // Otherwise the faster answer would tell a caller that someone else sent a text it guessed.
    const memo = createScreeningMemo();
    const inj = counting(detectInjection);
    memo.view('key-a').slot(TEXT).result('injection', inj.run);
    memo.view('key-a').slot(TEXT).result('injection', inj.run);
    memo.view('key-b').slot(TEXT).result('injection', inj.run);
    memo.view('key-b').slot(TEXT).result('injection', inj.run);
    expect(inj.calls).toHaveLength(2);
    expect(memo.size).toBe(2);
  });

  it('keys on the whole text: one character apart is another text', () => {
    const memo = createScreeningMemo();
    const inj = counting(detectInjection);
    memo.slot(TEXT).result('injection', inj.run);
    memo.slot(`${TEXT} `).result('injection', inj.run);
    memo.slot(TEXT.replace('summarise', 'Summarise')).result('injection', inj.run);
    expect(inj.calls).toHaveLength(3);
  });

  it('keeps only results with nothing found: a text with findings is screened every time', () => {
    const memo = createScreeningMemo();
    const pii = counting(detectPii);
    const phone = 'Call me on +44 20 7946 0958 tomorrow, please.';
    const first = memo.slot(phone).result('pii', pii.run);
    const second = memo.slot(phone).result('pii', pii.run);
    expect(first.spans.length).toBeGreaterThan(0);
    expect(second).toEqual(first);
    expect(pii.calls).toHaveLength(2);
  });

  it('hands back a remembered result equal to a fresh one', () => {
    const memo = createScreeningMemo();
    const benign = 'Could you recommend two novels like The Left Hand of Darkness?';
    for (const [d, detect] of [
      ['injection', detectInjection],
      ['pii', detectPii],
    ] as const) {
      const fresh = detect(benign);
      memo.slot(benign).result(d, detect);
      expect(memo.slot(benign).result(d, () => fail())).toEqual(fresh);
    }
  });

  it('screens short texts every time (the digest would cost more than the scan)', () => {
    const memo = createScreeningMemo();
    const short = 'x'.repeat(MEMO_MIN_CHARS - 1);
    const inj = counting(detectInjection);
    memo.slot(short).result('injection', inj.run);
    memo.slot(short).result('injection', inj.run);
    expect(inj.calls).toHaveLength(2);
    expect(memo.size).toBe(0);
  });

  it('stays bounded: a new text takes the place of an old one', () => {
    const memo = createScreeningMemo({ slots: 8 });
    const inj = counting(detectInjection);
    const text = (i: number) => `Message number ${i} of a long conversation about books.`;
    for (let i = 0; i < 100; i++) memo.slot(text(i)).result('injection', inj.run);
    expect(memo.size).toBeLessThanOrEqual(8);
    for (let i = 0; i < 100; i++) memo.slot(text(i)).result('injection', inj.run);
    // At most 8 of the 100 were still held; the others were screened again.
    expect(inj.calls.length).toBeGreaterThanOrEqual(192);
  });

  it('keeps a conversation’s earlier messages while other texts come and go', () => {
    const memo = createScreeningMemo();
    const inj = counting(detectInjection);
    const first = 'Which courier do you use for deliveries to Norway?';
    for (let i = 0; i < 1000; i++) {
      memo.slot(`Unrelated single question number ${i}, sent once.`).result('injection', inj.run);
      memo.slot(first).result('injection', inj.run);
    }
    expect(inj.calls.filter((t) => t === first)).toHaveLength(1);
  });

  it('can be turned off with slots: 0', () => {
    const memo = createScreeningMemo({ slots: 0 });
    const inj = counting(detectInjection);
    memo.slot(TEXT).result('injection', inj.run);
    memo.slot(TEXT).result('injection', inj.run);
    expect(inj.calls).toHaveLength(2);
  });
});
