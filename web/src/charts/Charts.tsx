import type { ReactNode } from 'react';
import {
  Area,
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { shortDay } from '../lib/format';

/**
 * Every chart of the Command Room, in one module so recharts is one lazily loaded chunk that only
 * views with charts pull in. Colours are CSS variables (they follow the theme); every chart has a
 * title and a text summary, and the figures it draws are also in a table on the same view.
 */

export interface Series {
  key: string;
  label: string;
  color: string;
  /** Draw as a dashed line (a second series must not differ by colour alone). */
  dashed?: boolean;
}

type Point = Record<string, string | number | null>;
type Fmt = (v: number | null) => string;

const axisTick = { fill: 'var(--muted)', fontSize: 12 };
const margin = { top: 8, right: 16, bottom: 0, left: 8 };
const grid = { stroke: 'var(--c-grid)', strokeDasharray: '3 3' };
const legend = { wrapperStyle: { color: 'var(--text)', fontSize: 13 } };
/** The x axis of every chart over days (`day`, ISO date). */
const dayAxis = {
  dataKey: 'day',
  tickFormatter: (d: string) => shortDay(d),
  tick: axisTick,
  stroke: 'var(--border)',
  minTickGap: 24,
};
const valueAxis = (fmt: Fmt) => ({
  tickFormatter: (v: number) => fmt(v),
  tick: axisTick,
  stroke: 'var(--border)',
  width: 72,
});
const dayLabel = (d: unknown) => shortDay(String(d));
const tooltipStyle = {
  contentStyle: { background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--text)' },
  labelStyle: { color: 'var(--text)' },
  itemStyle: { color: 'var(--text)' },
};

function Frame({
  title,
  summary,
  children,
  small,
}: {
  title: string;
  summary: ReactNode;
  children: ReactNode;
  small?: boolean;
}) {
  return (
    <figure className="chart-figure" style={{ margin: 0 }}>
      <div className={`chart ${small ? 'chart-small' : ''}`}>{children}</div>
      <figcaption className="legend-note">
        <span className="sr-only">{title}. </span>
        {summary}
      </figcaption>
    </figure>
  );
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Lines over days (x = `day`, ISO date). */
export function DayLines({
  title,
  summary,
  points,
  series,
  fmt,
  small,
  referenceY,
}: {
  title: string;
  summary: ReactNode;
  points: Point[];
  series: Series[];
  fmt: Fmt;
  small?: boolean;
  referenceY?: { y: number; label: string };
}) {
  return (
    <Frame title={title} summary={summary} small={small}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart
          data={points}
          title={title}
          desc={typeof summary === 'string' ? summary : title}
          margin={margin}
        >
          <CartesianGrid {...grid} />
          <XAxis {...dayAxis} />
          <YAxis {...valueAxis(fmt)} />
          <Tooltip formatter={(v) => fmt(num(v))} labelFormatter={dayLabel} {...tooltipStyle} />
          <Legend {...legend} />
          {referenceY ? (
            <ReferenceLine
              y={referenceY.y}
              stroke="var(--muted)"
              strokeDasharray="6 4"
              label={{
                value: referenceY.label,
                fill: 'var(--muted)',
                fontSize: 12,
                position: 'insideTopRight',
              }}
            />
          ) : null}
          {series.map((s) => (
            <Line
              key={s.key}
              type="monotone"
              dataKey={s.key}
              name={s.label}
              stroke={s.color}
              strokeWidth={2}
              strokeDasharray={s.dashed ? '6 4' : undefined}
              dot={points.length < 40}
              connectNulls
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </Frame>
  );
}

/** Bars over days, stacked when there are several series. */
export function DayBars({
  title,
  summary,
  points,
  series,
  fmt,
  small,
}: {
  title: string;
  summary: ReactNode;
  points: Point[];
  series: Series[];
  fmt: Fmt;
  small?: boolean;
}) {
  return (
    <Frame title={title} summary={summary} small={small}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart
          data={points}
          title={title}
          desc={typeof summary === 'string' ? summary : title}
          margin={margin}
        >
          <CartesianGrid {...grid} vertical={false} />
          <XAxis {...dayAxis} />
          <YAxis {...valueAxis(fmt)} />
          <Tooltip
            formatter={(v) => fmt(num(v))}
            labelFormatter={dayLabel}
            {...tooltipStyle}
            cursor={{ fill: 'var(--surface-2)' }}
          />
          {series.length > 1 ? <Legend {...legend} /> : null}
          {series.map((s) => (
            <Bar
              key={s.key}
              dataKey={s.key}
              name={s.label}
              fill={s.color}
              stackId={series.length > 1 ? 'a' : undefined}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </Frame>
  );
}

/** Horizontal bars of a category (model mix, top keys…). */
export function CategoryBars({
  title,
  summary,
  points,
  categoryKey,
  series,
  fmt,
}: {
  title: string;
  summary: ReactNode;
  points: Point[];
  categoryKey: string;
  series: Series[];
  fmt: Fmt;
}) {
  const height = Math.max(160, 36 * points.length + 60);
  return (
    <figure className="chart-figure" style={{ margin: 0 }}>
      <div className="chart" style={{ height }}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart
            data={points}
            layout="vertical"
            title={title}
            desc={typeof summary === 'string' ? summary : title}
            margin={{ top: 8, right: 24, bottom: 0, left: 8 }}
          >
            <CartesianGrid {...grid} horizontal={false} />
            <XAxis
              type="number"
              tickFormatter={(v: number) => fmt(v)}
              tick={axisTick}
              stroke="var(--border)"
            />
            <YAxis type="category" dataKey={categoryKey} tick={axisTick} stroke="var(--border)" width={140} />
            <Tooltip formatter={(v) => fmt(num(v))} {...tooltipStyle} cursor={{ fill: 'var(--surface-2)' }} />
            {series.length > 1 ? <Legend {...legend} /> : null}
            {series.map((s) => (
              <Bar key={s.key} dataKey={s.key} name={s.label} fill={s.color} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="legend-note">
        <span className="sr-only">{title}. </span>
        {summary}
      </figcaption>
    </figure>
  );
}

/**
 * Month-to-date spend, then the forecast to month end with its interval as a band, against the
 * budget line. `points`: day, actual (cumulative, through today), forecast/low/high (from today on).
 */
export function BurnDown({
  title,
  summary,
  points,
  budget,
  fmt,
}: {
  title: string;
  summary: ReactNode;
  points: Array<{
    day: string;
    actual: number | null;
    forecast: number | null;
    band: [number, number] | null;
  }>;
  budget: number | null;
  fmt: Fmt;
}) {
  return (
    <Frame title={title} summary={summary}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart
          data={points}
          title={title}
          desc={typeof summary === 'string' ? summary : title}
          margin={margin}
        >
          <CartesianGrid {...grid} />
          <XAxis {...dayAxis} />
          <YAxis {...valueAxis(fmt)} />
          <Tooltip
            formatter={(v) => (Array.isArray(v) ? `${fmt(num(v[0]))} – ${fmt(num(v[1]))}` : fmt(num(v)))}
            labelFormatter={dayLabel}
            {...tooltipStyle}
          />
          <Legend {...legend} />
          <Area
            dataKey="band"
            name="Forecast interval"
            stroke="none"
            fill="var(--c-band)"
            fillOpacity={0.45}
            isAnimationActive={false}
            connectNulls
          />
          <Line
            dataKey="actual"
            name="Spent (cumulative)"
            stroke="var(--c-cost)"
            strokeWidth={2.5}
            dot={false}
            isAnimationActive={false}
          />
          <Line
            dataKey="forecast"
            name="Forecast"
            stroke="var(--c-cost)"
            strokeDasharray="6 4"
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
            connectNulls
          />
          {budget !== null ? (
            <ReferenceLine
              y={budget}
              stroke="var(--bad)"
              strokeWidth={1.5}
              label={{
                value: `Budget ${fmt(budget)}`,
                fill: 'var(--bad)',
                fontSize: 12,
                position: 'insideTopLeft',
              }}
            />
          ) : null}
        </ComposedChart>
      </ResponsiveContainer>
    </Frame>
  );
}

/** Two distributions side by side per bin (drift: reference vs current). */
export function Distribution({
  title,
  summary,
  points,
  fmt,
}: {
  title: string;
  summary: ReactNode;
  points: Array<{ bin: string; reference: number | null; current: number | null }>;
  fmt: Fmt;
}) {
  const pct = fmt;
  return (
    <Frame title={title} summary={summary} small>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart
          data={points}
          title={title}
          desc={typeof summary === 'string' ? summary : title}
          margin={margin}
        >
          <CartesianGrid {...grid} vertical={false} />
          <XAxis dataKey="bin" tick={axisTick} stroke="var(--border)" interval="preserveStartEnd" />
          <YAxis tickFormatter={(v: number) => pct(v)} tick={axisTick} stroke="var(--border)" width={56} />
          <Tooltip formatter={(v) => pct(num(v))} {...tooltipStyle} cursor={{ fill: 'var(--surface-2)' }} />
          <Legend {...legend} />
          <Bar dataKey="reference" name="Reference" fill="var(--c-8)" isAnimationActive={false} />
          <Bar dataKey="current" name="Current" fill="var(--c-1)" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </Frame>
  );
}
