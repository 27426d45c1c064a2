import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '../../store/rollups/sql.js';
import { forecastMonthEnd } from './ewma.js';

const MARCH = Date.UTC(2026, 2, 1);
const APRIL = Date.UTC(2026, 3, 1);

describe('month-end forecast', () => {
  it('projects a steady spend exactly, with a zero-width interval', () => {
    // Day 11, 06:00: ten complete days at $10, $4 so far today.
    const f = forecastMonthEnd({
      daily: new Array(28).fill(0).map((_, i) => (i >= 18 ? 10 : 0)),
      todayUsd: 4,
      mtdUsd: 104,
      now: MARCH + 10 * DAY_MS + 6 * HOUR_MS,
      monthEnd: APRIL,
      alpha: 0.3,
    });
    // 100 (complete days) + 10 (today reaches the rate) + 20 full days × 10
    expect(f.forecastUsd).toBe(310);
    expect(f.dailyRateUsd).toBe(10);
    expect(f.lowUsd).toBe(310);
    expect(f.highUsd).toBe(310);
  });

  it('weighs recent days more, so a ramp raises the rate within days', () => {
    const ramp = [...new Array(20).fill(10), 20, 20, 20];
    const f = forecastMonthEnd({
      daily: ramp,
      todayUsd: 0,
      mtdUsd: 0,
      now: MARCH,
      monthEnd: APRIL,
      alpha: 0.3,
    });
    // 10 → 13 → 15.1 → 16.57
    expect(f.dailyRateUsd).toBeCloseTo(16.57, 10);
    const flat = forecastMonthEnd({
      daily: ramp,
      todayUsd: 0,
      mtdUsd: 0,
      now: MARCH,
      monthEnd: APRIL,
      alpha: 0.05,
    });
    expect(flat.dailyRateUsd).toBeLessThan(f.dailyRateUsd);
    expect(f.highUsd).toBeGreaterThan(f.forecastUsd);
    expect(f.lowUsd).toBeLessThan(f.forecastUsd);
  });

  it('skips the days before the first spend and uses today alone when there is no history', () => {
    const fresh = forecastMonthEnd({
      daily: [0, 0, 0, 8],
      todayUsd: 0,
      mtdUsd: 8,
      now: MARCH + 4 * DAY_MS,
      monthEnd: APRIL,
      alpha: 0.3,
    });
    expect(fresh.dailyRateUsd).toBe(8);
    const first = forecastMonthEnd({
      daily: [],
      todayUsd: 3,
      mtdUsd: 3,
      now: MARCH + 12 * HOUR_MS,
      monthEnd: APRIL,
      alpha: 0.3,
    });
    expect(first.dailyRateUsd).toBe(6); // $3 in half a day
    expect(first.forecastUsd).toBe(6 + 30 * 6);
    // In the first hour nothing is extrapolated.
    const early = forecastMonthEnd({
      daily: [],
      todayUsd: 3,
      mtdUsd: 3,
      now: MARCH + 60_000,
      monthEnd: APRIL,
      alpha: 0.3,
    });
    expect(early.dailyRateUsd).toBe(3);
    const none = forecastMonthEnd({
      daily: [0, 0],
      todayUsd: 0,
      mtdUsd: 0,
      now: MARCH,
      monthEnd: APRIL,
      alpha: 0.3,
    });
    expect(none.forecastUsd).toBe(0);
  });
});
