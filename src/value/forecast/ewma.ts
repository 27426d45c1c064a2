import { DAY_MS } from '../../store/rollups/sql.js';

interface ForecastInput {
  /** Spend of each complete day before today, oldest first (the lookback window; zeros included). */
  daily: readonly number[];
  /** Spend so far today. */
  todayUsd: number;
  /** Month-to-date spend (includes today). */
  mtdUsd: number;
  now: number;
  /** Start of the next month (epoch ms): the forecast horizon. */
  monthEnd: number;
  /** EWMA smoothing factor, 0 < alpha ≤ 1. */
  alpha: number;
}

interface MonthForecast {
  mtdUsd: number;
  /** Expected spend at month end. */
  forecastUsd: number;
  /** 90% interval of the month-end spend (low never below month-to-date). */
  lowUsd: number;
  highUsd: number;
  /** Daily spend rate the forecast projects forward. */
  dailyRateUsd: number;
  /** Days (fractional) left in the month. */
  remainingDays: number;
}

/** z for a two-sided 90% interval. */
const Z90 = 1.6448536269514722;
/** Before this much of today has passed, today's run rate is too noisy to extrapolate. */
const MIN_DAY_FRACTION = 1 / 24;

/**
 * Month-end spend = complete days of the month + today's expected total + daily rate × the full days
 * left. The rate is an exponentially weighted mean of complete days (recent days weigh more, so a
 * ramp shows within a few days); today is expected to reach at least that rate (or what it has
 * already spent, if more). A subject with no complete day yet is projected from today's run rate.
 * The interval treats the days left as independent draws with the EW variance of daily spend:
 * ±z·σ·√days. Days before the subject's first spend are skipped, so a new use case is not
 * diluted by zeros.
 */
export function forecastMonthEnd(input: ForecastInput): MonthForecast {
  const { alpha } = input;
  let mean: number | null = null;
  let variance = 0;
  for (const x of input.daily) {
    if (mean === null) {
      if (x === 0) continue;
      mean = x;
      continue;
    }
    const diff = x - mean;
    const incr = alpha * diff;
    mean += incr;
    variance = (1 - alpha) * (variance + diff * incr);
  }
  const dayStart = Math.floor(input.now / DAY_MS) * DAY_MS;
  const fraction = (input.now - dayStart) / DAY_MS;
  // Without history, today's run rate is all there is (not extrapolated in the first hour: too noisy).
  const rate = mean ?? (fraction >= MIN_DAY_FRACTION ? input.todayUsd / fraction : input.todayUsd);
  const todayExpected = Math.max(input.todayUsd, rate);
  const fullDaysLeft = Math.max(0, Math.round((input.monthEnd - dayStart - DAY_MS) / DAY_MS));
  const forecast = input.mtdUsd - input.todayUsd + todayExpected + rate * fullDaysLeft;
  const uncertainDays = fullDaysLeft + (1 - fraction);
  const half = Z90 * Math.sqrt(Math.max(0, variance)) * Math.sqrt(uncertainDays);
  return {
    mtdUsd: input.mtdUsd,
    forecastUsd: forecast,
    lowUsd: Math.max(input.mtdUsd, forecast - half),
    highUsd: forecast + half,
    dailyRateUsd: rate,
    remainingDays: Math.max(0, (input.monthEnd - input.now) / DAY_MS),
  };
}
