import type { ReactNode } from 'react';
import type { Resource } from '../api/hooks';
import { change, pct } from '../lib/format';

/** A figure: the formatted text for people, the exact API value in `value` for machines and tests. */
export function Num({
  value,
  fmt,
  className,
}: {
  value: number | null | undefined;
  fmt: (v: number | null) => string;
  className?: string;
}) {
  return (
    <data
      value={value === null || value === undefined ? '' : String(value)}
      className={`num ${className ?? ''}`}
    >
      {fmt(value ?? null)}
    </data>
  );
}

export type Level = 'ok' | 'warn' | 'bad' | 'unknown' | 'info';

const ICON: Record<Level, string> = { ok: '✓', warn: '!', bad: '✕', unknown: '?', info: 'i' };
const WORD: Record<Level, string> = {
  ok: 'OK',
  warn: 'Warning',
  bad: 'Problem',
  unknown: 'No data',
  info: 'Info',
};

/** A traffic light that never relies on colour alone: an icon shape and words carry the meaning. */
export function Status({ level, children, title }: { level: Level; children?: ReactNode; title?: string }) {
  return (
    <span className={`status status-${level}`} title={title}>
      <span className="status-icon" aria-hidden="true">
        {ICON[level]}
      </span>
      <span>{children ?? WORD[level]}</span>
    </span>
  );
}

export function worst(levels: readonly Level[]): Level {
  const order: Level[] = ['bad', 'warn', 'ok', 'info', 'unknown'];
  for (const l of order) if (levels.includes(l)) return l;
  return 'unknown';
}

/** What is missing and what to do about it. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" role="status">
      <p className="empty-title">{title}</p>
      {children ? <div className="empty-body">{children}</div> : null}
    </div>
  );
}

export function Notice({ level = 'info', children }: { level?: Level; children: ReactNode }) {
  return (
    <div className={`notice notice-${level}`} role={level === 'bad' ? 'alert' : 'status'}>
      <span className="status-icon" aria-hidden="true">
        {ICON[level]}
      </span>
      <div>{children}</div>
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/**
 * Renders a resource: its data, or a loading line, or an explanation (feature missing from this
 * Keel, role too low, error). `missing` says what the absent API would show and how to get it.
 */
export function Load<T>({
  res,
  what,
  missing,
  children,
}: {
  res: Resource<T>;
  what: string;
  missing?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  switch (res.status) {
    case 'loading':
      return <Loading what={what} />;
    case 'ok':
      return <>{children(res.data)}</>;
    case 'missing':
      return (
        <Empty title={`No ${what} in this Keel yet`}>
          {missing ?? <p>This Keel does not serve that part of the admin API.</p>}
        </Empty>
      );
    case 'forbidden':
      return (
        <Empty title={`Your role cannot see ${what}`}>
          <p>{res.error.message}</p>
        </Empty>
      );
    case 'error':
      return (
        <Notice level="bad">
          Could not load {what}: {res.error.message}
        </Notice>
      );
  }
}

/** "▲ 12% vs previous period", with the direction in words for screen readers. */
export function Delta({
  cur,
  prev,
  goodWhen,
}: {
  cur: number | null | undefined;
  prev: number | null | undefined;
  goodWhen: 'up' | 'down' | 'neutral';
}) {
  const c = change(cur, prev);
  if (c === null) return <span className="delta muted">no previous figure</span>;
  if (Math.abs(c) < 0.0005) return <span className="delta muted">= unchanged vs previous period</span>;
  const up = c > 0;
  const good = goodWhen === 'neutral' ? null : (goodWhen === 'up') === up;
  return (
    <span className={`delta ${good === null ? 'muted' : good ? 'delta-good' : 'delta-bad'}`}>
      <span aria-hidden="true">{up ? '▲' : '▼'}</span> {up ? 'up' : 'down'} {pct(Math.abs(c))} vs previous
      period
    </span>
  );
}

export function Kpi({
  id,
  label,
  value,
  fmt,
  prev,
  compare,
  goodWhen = 'neutral',
  hint,
}: {
  id: string;
  label: string;
  value: number | null | undefined;
  fmt: (v: number | null) => string;
  prev?: number | null | undefined;
  compare?: boolean;
  goodWhen?: 'up' | 'down' | 'neutral';
  hint?: ReactNode;
}) {
  return (
    <div className="kpi" data-kpi={id}>
      <dt>{label}</dt>
      <dd>
        <Num value={value} fmt={fmt} className="kpi-value" />
        {compare ? <Delta cur={value} prev={prev} goodWhen={goodWhen} /> : null}
        {hint ? <span className="kpi-hint">{hint}</span> : null}
      </dd>
    </div>
  );
}

export function Code({ children }: { children: ReactNode }) {
  return <code className="code">{children}</code>;
}

/** Share of a budget used, as a meter that turns amber at 80% and red when spent. */
export function BudgetUse({ used, label }: { used: number; label: string }) {
  return (
    <meter min={0} max={1} low={0.8} high={0.99} optimum={0} value={Math.min(used, 1)} aria-label={label} />
  );
}
