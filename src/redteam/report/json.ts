/** The JSON report: `summary` first by contract, every attempt included; the stored copy drops them. */
import type { RedteamReport } from '../types.js';

export function toJsonReport(report: RedteamReport): string {
  const { summary, ...rest } = report;
  return `${JSON.stringify({ summary, ...rest }, null, 2)}\n`;
}

/** What `POST /api/redteam/runs` receives: the report without its attempts. */
export function withoutAttempts(report: RedteamReport): RedteamReport {
  const { summary, attempts: _attempts, ...rest } = report;
  return { summary, ...rest };
}
