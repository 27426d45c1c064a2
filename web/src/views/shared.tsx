import type { SpendForecast } from '@keel/api';
import { BudgetUse, Num } from '../components/bits';
import { pct, usd } from '../lib/format';

/** Month-to-date spend against the monthly budget, with the month-end forecast and its interval. */
export function BudgetMeter({ forecast: f }: { forecast: SpendForecast | undefined }) {
  if (!f) return <span className="muted">no spend this month</span>;
  if (f.budget_usd === null || f.budget_usd <= 0)
    return (
      <span>
        <Num value={f.mtd_usd} fmt={usd} /> spent
        <span className="cell-sub">no monthly budget · forecast {usd(f.forecast_usd)}</span>
      </span>
    );
  const used = f.mtd_usd / f.budget_usd;
  return (
    <div className="meter">
      <span>
        <Num value={f.mtd_usd} fmt={usd} /> of {usd(f.budget_usd)} ({pct(used)})
      </span>
      <BudgetUse used={used} label="Budget used this month" />
      <span className="cell-sub">
        forecast {usd(f.forecast_usd)} ({usd(f.low_usd)}–{usd(f.high_usd)})
        {f.status === 'at_risk' ? ' · over budget' : f.status === 'over' ? ' · budget spent' : ''}
      </span>
    </div>
  );
}

/** A key id shown with the key's name when we know it. */
export function keyLabel(id: string | null | undefined, names: Map<string, string>): string {
  if (!id) return '(no key)';
  const n = names.get(id);
  return n ? `${n} (${id})` : id;
}

export function dimLabel(v: string | null | undefined, none: string): string {
  return v === null || v === undefined || v === '' ? none : v;
}
