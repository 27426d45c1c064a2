import { KeelError } from '../../errors.js';
import { DAY_MS } from '../../store/rollups/sql.js';

const GRANULARITIES = ['day', 'week', 'month', 'total'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export interface Period {
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive. */
  end: number;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** UTC day start of an epoch ms. */
export function dayStart(t: number): number {
  return Math.floor(t / DAY_MS) * DAY_MS;
}

export function monthStart(t: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export function nextMonthStart(t: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** Monday 00:00 UTC of the ISO week holding `t`. */
export function weekStart(t: number): number {
  const day = dayStart(t);
  const dow = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
  return day - dow * DAY_MS;
}

/**
 * A `from`/`to` query value: YYYY-MM-DD or a full ISO 8601 timestamp (with zone), in UTC. Value
 * ranges are whole UTC days, so `from` is floored to its day and `to` (exclusive) rounded up to the
 * next midnight unless it already is one.
 */
export function parseDay(v: string, param: string, edge: 'from' | 'to'): number {
  const s = v.trim();
  const t = DATE_ONLY.test(s) ? Date.parse(`${s}T00:00:00Z`) : ISO.test(s) ? Date.parse(s) : Number.NaN;
  if (Number.isNaN(t))
    throw new KeelError('invalid_request', `${param} must be a date (YYYY-MM-DD) or an ISO 8601 timestamp.`, {
      param,
    });
  const day = dayStart(t);
  return edge === 'to' && day !== t ? day + DAY_MS : day;
}

export function parseGranularity(v: string | undefined): Granularity {
  const g = (v ?? 'total').trim();
  if (!(GRANULARITIES as readonly string[]).includes(g))
    throw new KeelError('invalid_request', 'granularity must be one of day, week, month, total.', {
      param: 'granularity',
    });
  return g as Granularity;
}

/** The periods covering [from, to), clipped to the range (a month query from the 15th starts on the 15th). */
export function periodsOf(from: number, to: number, g: Granularity): Period[] {
  if (to <= from) return [];
  if (g === 'total') return [{ start: from, end: to }];
  const out: Period[] = [];
  let start = from;
  while (start < to) {
    const natural =
      g === 'day' ? start + DAY_MS : g === 'week' ? weekStart(start) + 7 * DAY_MS : nextMonthStart(start);
    const end = Math.min(natural, to);
    out.push({ start, end });
    start = end;
  }
  return out;
}
