import type { SpendForecast } from '@keel/api';
import type { Level } from '../components/bits';
import { pct } from './format';

/**
 * The traffic lights of the portfolio. Thresholds are deliberately simple and written out here, so
 * a reader can tell why a light is amber.
 */
export const ERROR_WARN = 0.01;
export const ERROR_BAD = 0.05;
export const BLOCKED_WARN = 0.02;
export const BLOCKED_BAD = 0.1;

export interface Light {
  level: Level;
  text: string;
}

export function budgetLight(f: SpendForecast | undefined): Light {
  if (!f || f.status === 'no_budget') return { level: 'unknown', text: 'Budget: none' };
  if (f.status === 'over') return { level: 'bad', text: 'Budget: spent' };
  if (f.status === 'at_risk') return { level: 'warn', text: 'Budget: at risk' };
  return { level: 'ok', text: 'Budget: ok' };
}

export function errorLight(rate: number | null, requests: number): Light {
  if (rate === null || requests === 0) return { level: 'unknown', text: 'Errors: n/a' };
  const text = `Errors: ${pct(rate)}`;
  return { level: rate >= ERROR_BAD ? 'bad' : rate >= ERROR_WARN ? 'warn' : 'ok', text };
}

export function blockedLight(rate: number | null, blocked: number): Light {
  if (rate === null) return { level: 'unknown', text: 'Blocked: n/a' };
  const text = blocked === 0 ? 'Blocked: none' : `Blocked: ${pct(rate)}`;
  return { level: rate >= BLOCKED_BAD ? 'bad' : rate >= BLOCKED_WARN ? 'warn' : 'ok', text };
}

export function driftLight(drifted: number | null): Light {
  if (drifted === null) return { level: 'unknown', text: 'Drift: n/a' };
  return drifted > 0
    ? { level: 'warn', text: `Drift: ${drifted} col${drifted === 1 ? '' : 's'}` }
    : { level: 'ok', text: 'Drift: none' };
}
