/**
 * Every number the Command Room shows goes through here, so units and rounding are the same on
 * every view (and the browser tests can format an API figure and find it on the page). The locale
 * is fixed: amounts are USD and a mixed-locale dashboard reads worse than a consistent one.
 */
const LOCALE = 'en-US';

const usdWhole = new Intl.NumberFormat(LOCALE, {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const usdSmall = new Intl.NumberFormat(LOCALE, {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 4,
});
const intFmt = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const compactFmt = new Intl.NumberFormat(LOCALE, { notation: 'compact', maximumFractionDigits: 1 });
const pctFmt = new Intl.NumberFormat(LOCALE, { style: 'percent', maximumFractionDigits: 1 });
const decFmt = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 });
const msFmt = new Intl.NumberFormat(LOCALE, { style: 'unit', unit: 'millisecond', maximumFractionDigits: 0 });
const sFmt = new Intl.NumberFormat(LOCALE, { style: 'unit', unit: 'second', maximumFractionDigits: 2 });
const dayFmt = new Intl.DateTimeFormat(LOCALE, {
  timeZone: 'UTC',
  year: 'numeric',
  month: 'short',
  day: 'numeric',
});
const shortDayFmt = new Intl.DateTimeFormat(LOCALE, { timeZone: 'UTC', month: 'short', day: 'numeric' });
const timeFmt = new Intl.DateTimeFormat(LOCALE, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

export const DASH = '—';

type Num = number | null | undefined;

function isNum(v: Num): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** $1,234.56; amounts under a dollar keep up to 4 decimals ($0.0123) so small calls do not read as $0.00. */
export function usd(v: Num): string {
  if (!isNum(v)) return DASH;
  return Math.abs(v) < 1 && v !== 0 ? usdSmall.format(v) : usdWhole.format(v);
}

export function int(v: Num): string {
  return isNum(v) ? intFmt.format(v) : DASH;
}

export function compact(v: Num): string {
  return isNum(v) ? compactFmt.format(v) : DASH;
}

/** A ratio as a percentage: 0.123 → 12.3%. */
export function pct(v: Num): string {
  return isNum(v) ? pctFmt.format(v) : DASH;
}

export function decimal(v: Num): string {
  return isNum(v) ? decFmt.format(v) : DASH;
}

/** 850 ms, 1.25 s. */
export function duration(v: Num): string {
  if (!isNum(v)) return DASH;
  return Math.abs(v) >= 1000 ? sFmt.format(v / 1000) : msFmt.format(v);
}

/** A UTC calendar day (periods are whole UTC days). */
export function day(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return DASH;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? DASH : dayFmt.format(d);
}

export function shortDay(v: string | number): string {
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? DASH : shortDayFmt.format(d);
}

/** A moment, in the viewer's time zone. */
export function dateTime(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return DASH;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? DASH : timeFmt.format(d);
}

/** "3 h ago", for "last used". */
export function ago(v: string | null | undefined, now = Date.now()): string {
  if (!v) return 'never';
  const t = new Date(v).getTime();
  if (Number.isNaN(t)) return DASH;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** Relative change from `prev` to `cur`, or null when there is no base to compare with. */
export function change(cur: Num, prev: Num): number | null {
  if (!isNum(cur) || !isNum(prev) || prev === 0) return null;
  return (cur - prev) / Math.abs(prev);
}
