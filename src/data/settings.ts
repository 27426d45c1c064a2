import path from 'node:path';
import { PSI_THRESHOLD } from './drift/stattests.js';

/**
 * The data foundation's settings, read from the `data`, `lineage` and `monitors` sections of
 * keel.yaml (proposed for src/config/schema.ts; see the report) with defaults, so this code works
 * before and after those keys land in the schema. Environment variables override the file:
 * KEEL_DATA_DIR, KEEL_LINEAGE_ENDPOINT, KEEL_LINEAGE_API_KEY.
 */

export interface MonitorSettings {
  enabled: boolean;
  /** Keep prompt/response text (hashed n-gram embeddings and language) for topic drift. */
  captureText: boolean;
  /** Reference window: the first `referenceDays` of a use case's traffic. */
  referenceDays: number;
  /** Current window length compared against the reference. */
  windowMs: number;
  /** How often `runMonitors` should be called by the scheduler. */
  intervalMs: number;
  /** Minimum events in each window before a feature is tested. */
  minEvents: number;
  /** p-value below which a rate or distribution test alerts. */
  pValue: number;
  /** PSI at or above which a numeric feature alerts. */
  psi: number;
  /** Use cases that compare against a pinned dataset version instead of their first weeks. */
  pinned: Record<string, string>;
}

export interface DataSettings {
  dataDir: string;
  lineage: {
    endpoint: string | null;
    namespace: string;
    apiKey: string | null;
    timeoutMs: number;
    retries: number;
  };
  monitors: MonitorSettings;
}

type Loose = Record<string, unknown> | undefined;

const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);

export function dataSettings(config: object, env: Record<string, string | undefined> = {}): DataSettings {
  const c = config as Record<string, Loose>;
  const data = c.data;
  const lineage = c.lineage;
  const monitors = c.monitors;
  return {
    dataDir: path.resolve(env.KEEL_DATA_DIR ?? str(data?.dir) ?? '.keel/data'),
    lineage: {
      endpoint: env.KEEL_LINEAGE_ENDPOINT ?? str(lineage?.endpoint),
      namespace: str(lineage?.namespace) ?? 'keel',
      apiKey: env.KEEL_LINEAGE_API_KEY ?? str(lineage?.api_key),
      timeoutMs: num(lineage?.timeout_ms, 10_000),
      retries: num(lineage?.retries, 3),
    },
    monitors: {
      enabled: monitors?.enabled !== false,
      captureText: monitors?.capture_text === true,
      referenceDays: num(monitors?.reference_days, 14),
      windowMs: num(monitors?.window_hours, 24) * 36e5,
      intervalMs: num(monitors?.interval_minutes, 15) * 6e4,
      minEvents: num(monitors?.min_events, 200),
      pValue: num(monitors?.p_value, 0.01),
      psi: num(monitors?.psi, PSI_THRESHOLD),
      pinned: (monitors?.pinned as Record<string, string> | undefined) ?? {},
    },
  };
}
