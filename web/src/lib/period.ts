const DAY_MS = 86_400_000;

export type Preset = 'day' | 'week' | 'month' | 'custom';

/** A range of whole UTC days; `to` is the last day included (the API's `to` is the day after). */
export interface Period {
  preset: Preset;
  from: string;
  to: string;
}

export const PRESET_LABEL: Record<Preset, string> = {
  day: 'Day',
  week: 'Week',
  month: 'Month',
  custom: 'Custom',
};

export const PRESET_HINT: Record<Preset, string> = {
  day: 'today (UTC)',
  week: 'the last 7 days',
  month: 'the last 30 days',
  custom: 'the dates you choose',
};

export function isoDay(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

export function parseIsoDay(s: string): number {
  return Date.parse(`${s}T00:00:00Z`);
}

export function todayStart(now = Date.now()): number {
  return Math.floor(now / DAY_MS) * DAY_MS;
}

export function presetPeriod(preset: Exclude<Preset, 'custom'>, now = Date.now()): Period {
  const today = todayStart(now);
  const days = preset === 'day' ? 1 : preset === 'week' ? 7 : 30;
  return { preset, from: isoDay(today - (days - 1) * DAY_MS), to: isoDay(today) };
}

export function periodDays(p: Period): number {
  return Math.round((parseIsoDay(p.to) - parseIsoDay(p.from)) / DAY_MS) + 1;
}

/** The API's query range: from inclusive, to exclusive. */
export function apiRange(p: Period): { from: string; to: string } {
  return { from: p.from, to: isoDay(parseIsoDay(p.to) + DAY_MS) };
}

/** The same number of days right before `p`. */
export function previousPeriod(p: Period): Period {
  const days = periodDays(p);
  const from = parseIsoDay(p.from);
  return { preset: 'custom', from: isoDay(from - days * DAY_MS), to: isoDay(from - DAY_MS) };
}

export function validPeriod(p: Period): boolean {
  const a = parseIsoDay(p.from);
  const b = parseIsoDay(p.to);
  return Number.isFinite(a) && Number.isFinite(b) && a <= b && b - a <= 3650 * DAY_MS;
}

export function describePeriod(p: Period): string {
  const days = periodDays(p);
  return p.preset === 'custom' ? `${days} day${days === 1 ? '' : 's'}` : PRESET_HINT[p.preset];
}

/** First day of the month holding `now` (UTC), and the day after today. */
export function monthToDate(now = Date.now()): { from: string; to: string; monthEnd: string } {
  const d = new Date(now);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return { from: isoDay(start), to: isoDay(todayStart(now) + DAY_MS), monthEnd: isoDay(next) };
}

export function qs(params: Record<string, string | number | boolean | null | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== null && v !== undefined && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}
