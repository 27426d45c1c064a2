import type { PeriodFigures, SpendForecast, ValueReport } from '@keel/api';
import type { Resource } from '../api/hooks';
import { BurnDown, DayBars, DayLines } from '../charts/lazy';
import { Code, Empty, Load } from '../components/bits';
import { Section } from '../components/Page';
import { day, decimal, duration, int, pct, usd } from '../lib/format';
import { isoDay, parseIsoDay } from '../lib/period';
import { BudgetMeter } from './shared';

const DAY_MS = 86_400_000;

export function TrendCharts({ periods }: { periods: PeriodFigures[] }) {
  const pts = periods.map((p) => ({
    day: p.period_start,
    cost: p.cost_usd,
    value: p.value_usd,
    calls: p.requests,
    p50: p.latency_p50_ms,
    p95: p.latency_p95_ms,
    success: p.success_rate,
    feedback: p.feedback_mean,
  }));
  const outcomes = periods.reduce((s, p) => s + p.outcomes, 0);
  const ratings = periods.reduce((s, p) => s + p.feedback_count, 0);
  return (
    <div className="grid-2">
      <Section title="Cost and value over time">
        <DayLines
          title="Cost and value per day"
          summary="Priced cost and outcome value per UTC day."
          points={pts}
          series={[
            { key: 'cost', label: 'Cost', color: 'var(--c-cost)' },
            { key: 'value', label: 'Value', color: 'var(--c-value)', dashed: true },
          ]}
          fmt={usd}
          small
        />
      </Section>
      <Section title="Calls">
        <DayBars
          title="Calls per day"
          summary={`${int(periods.reduce((s, p) => s + p.requests, 0))} calls in the period.`}
          points={pts}
          series={[{ key: 'calls', label: 'Calls', color: 'var(--c-calls)' }]}
          fmt={int}
          small
        />
      </Section>
      <Section title="Latency percentiles">
        <DayLines
          title="Latency p50 and p95 per day"
          summary="Median and 95th percentile latency of answered calls."
          points={pts}
          series={[
            { key: 'p50', label: 'p50', color: 'var(--c-p50)' },
            { key: 'p95', label: 'p95', color: 'var(--c-p95)', dashed: true },
          ]}
          fmt={duration}
          small
        />
      </Section>
      <Section title="Success rate and feedback">
        {outcomes === 0 && ratings === 0 ? (
          <Empty title="No outcomes or feedback reported yet">
            <p>
              Report what happened after a call with <Code>POST /v1/outcomes</Code> and user ratings with{' '}
              <Code>POST /v1/feedback</Code>; success rate and feedback are drawn here.
            </p>
          </Empty>
        ) : (
          <DayLines
            title="Success rate and mean feedback per day"
            summary={`${int(outcomes)} outcomes and ${int(ratings)} ratings in the period; feedback on a −1 … 1 scale.`}
            points={pts}
            series={[
              { key: 'success', label: 'Success rate', color: 'var(--c-value)' },
              { key: 'feedback', label: 'Feedback (−1…1)', color: 'var(--c-4)', dashed: true },
            ]}
            fmt={(v) => (v === null ? '—' : Math.abs(v) <= 1 ? decimal(v) : pct(v))}
            small
          />
        )}
      </Section>
    </div>
  );
}

/** Month-to-date spend per day (cumulative), then the forecast to month end with its interval. */
export function BudgetSection({
  month,
  forecast,
  forecastsMissing,
  monthEnd,
}: {
  month: Resource<ValueReport>;
  forecast: SpendForecast | undefined;
  forecastsMissing: boolean;
  monthEnd: string;
}) {
  return (
    <Section
      title="Budget burn-down"
      description="Spend so far this month, and where the month is heading (exponentially weighted daily spend, with its interval)."
    >
      {forecastsMissing ? (
        <Empty title="No forecasts in this Keel">
          <p>
            <Code>GET /api/forecasts</Code> is not served here.
          </p>
        </Empty>
      ) : (
        <Load res={month} what="this month's spend">
          {(m) => {
            const periods = m.use_cases[0]?.periods ?? [];
            const points = burnPoints(periods, forecast, monthEnd);
            return (
              <>
                <BudgetMeter forecast={forecast} />
                {forecast?.projected_crossing_at ? (
                  <p className="notice notice-warn">
                    At the current rate the budget runs out on {day(forecast.projected_crossing_at)}.
                  </p>
                ) : null}
                <BurnDown
                  title="Budget burn-down"
                  summary={
                    forecast
                      ? `Spent ${usd(forecast.mtd_usd)} this month; forecast ${usd(forecast.forecast_usd)} (${usd(forecast.low_usd)}–${usd(forecast.high_usd)})${forecast.budget_usd !== null ? ` against a budget of ${usd(forecast.budget_usd)}` : ', no monthly budget set'}.`
                      : 'No spend this month yet.'
                  }
                  points={points}
                  budget={forecast?.budget_usd ?? null}
                  fmt={usd}
                />
              </>
            );
          }}
        </Load>
      )}
    </Section>
  );
}

export function burnPoints(periods: PeriodFigures[], f: SpendForecast | undefined, monthEnd: string) {
  const out: Array<{
    day: string;
    actual: number | null;
    forecast: number | null;
    band: [number, number] | null;
  }> = [];
  let cum = 0;
  for (const p of periods) {
    cum += p.cost_usd;
    out.push({ day: p.period_start, actual: cum, forecast: null, band: null });
  }
  const last = out[out.length - 1];
  if (!f || !last) return out;
  // The forecast continues from the last actual point (today) to the month's last day.
  last.forecast = last.actual;
  last.band = [last.actual ?? 0, last.actual ?? 0];
  const start = parseIsoDay(last.day.slice(0, 10));
  const end = parseIsoDay(monthEnd) - DAY_MS;
  const steps = Math.round((end - start) / DAY_MS);
  const base = last.actual ?? 0;
  for (let i = 1; i <= steps; i++) {
    const k = i / steps;
    out.push({
      day: `${isoDay(start + i * DAY_MS)}T00:00:00.000Z`,
      actual: null,
      forecast: base + (f.forecast_usd - base) * k,
      band: [base + (f.low_usd - base) * k, base + (f.high_usd - base) * k],
    });
  }
  return out;
}
