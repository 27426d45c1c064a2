import type { ValueFigures } from '@keel/api';
import type { ReactNode } from 'react';
import { Kpi } from '../components/bits';
import { decimal, duration, int, pct, usd } from '../lib/format';

type NumericFigure = {
  [K in keyof ValueFigures]: ValueFigures[K] extends number | null ? K : never;
}[keyof ValueFigures];

interface FigureDef {
  label: string;
  fmt: (v: number | null) => string;
  /** Which direction of change is good news; neutral figures get an uncoloured delta. */
  goodWhen?: 'up' | 'down';
  /** Figures without a meaningful previous-period delta (a mean of ratings). */
  noDelta?: true;
}

/** One label, format and "good direction" per figure, so every view shows a figure the same way. */
const FIGURES = {
  cost_usd: { label: 'Spend', fmt: usd, goodWhen: 'down' },
  value_usd: { label: 'Value', fmt: usd, goodWhen: 'up' },
  net_value_usd: { label: 'Net value', fmt: usd, goodWhen: 'up' },
  roi: { label: 'ROI', fmt: pct, goodWhen: 'up' },
  requests: { label: 'Calls', fmt: int },
  active_users: { label: 'Active users', fmt: int, goodWhen: 'up' },
  success_rate: { label: 'Success rate', fmt: pct, goodWhen: 'up' },
  cost_per_successful_outcome_usd: { label: 'Cost / successful outcome', fmt: usd, goodWhen: 'down' },
  feedback_mean: { label: 'Feedback', fmt: decimal, noDelta: true },
  latency_p95_ms: { label: 'p95 latency', fmt: duration, goodWhen: 'down' },
  error_rate: { label: 'Error rate', fmt: pct, goodWhen: 'down' },
  blocked: { label: 'Blocked calls', fmt: int, goodWhen: 'down' },
} satisfies Partial<Record<NumericFigure, FigureDef>>;

type Figure = keyof typeof FIGURES;

export type FigureItem = Figure | { figure: Figure; hint: ReactNode };

/**
 * The KPI strip of a value report: each figure with its delta against the previous period (when
 * `prev` is given). Extra tiles that are not value figures (open alerts) go in `children`.
 */
export function FigureKpis({
  total,
  prev,
  items,
  label,
  children,
}: {
  total: ValueFigures;
  prev: ValueFigures | undefined;
  items: FigureItem[];
  label?: string;
  children?: ReactNode;
}) {
  return (
    <dl className="kpis" aria-label={label}>
      {items.map((item) => {
        const figure = typeof item === 'string' ? item : item.figure;
        const def: FigureDef = FIGURES[figure];
        const compare = prev !== undefined && !def.noDelta;
        return (
          <Kpi
            key={figure}
            id={figure}
            label={def.label}
            value={total[figure]}
            fmt={def.fmt}
            prev={compare ? prev[figure] : undefined}
            compare={compare}
            goodWhen={def.goodWhen ?? 'neutral'}
            hint={typeof item === 'string' ? undefined : item.hint}
          />
        );
      })}
      {children}
    </dl>
  );
}
