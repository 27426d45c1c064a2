import type { DatasetProfile } from '../datasets/profile.js';
import type { Comparison } from './compare.js';
import type { TrafficObservation, WindowState } from './window.js';

/** What the live traffic monitors (monitor.ts) report, keep and expose. */

export interface DriftAlert {
  kind: 'data_drift';
  status: 'firing' | 'resolved';
  useCase: string;
  feature: string;
  method: string;
  statistic: number;
  pValue: number | null;
  reference: Record<string, number>;
  current: Record<string, number>;
  /** Epoch ms of the run that decided it. */
  ts: number;
  severity: 'warning' | 'critical';
  message: string;
}

export interface FeatureStatus extends Comparison {
  feature: string;
  state: 'ok' | 'drifting' | 'insufficient_data';
}

export interface DriftingFeature {
  useCase: string;
  feature: string;
  method: string;
  statistic: number;
  pValue: number | null;
  /** The bars the comparison had to cross (see compare.ts). */
  threshold: Record<string, number>;
  /** The current window compared at the last run (epoch ms). */
  window: { from: number; until: number };
  reference: Record<string, number>;
  current: Record<string, number>;
}

export interface UseCaseStatus {
  useCase: string;
  reference: {
    source: 'traffic' | 'pinned';
    from: number | null;
    until: number | null;
    complete: boolean;
    events: number;
  };
  current: { from: number; until: number; events: number };
  features: FeatureStatus[];
  lastRun: number | null;
}

export interface MonitorSnapshot {
  version: 1;
  useCases: {
    useCase: string;
    firstSeen: number;
    frozenAt: number | null;
    pinned: boolean;
    reference: WindowState;
  }[];
}

export interface UseCaseWindows {
  useCase: string;
  firstSeen: number;
  frozenAt: number | null;
  pinned: boolean;
  reference: WindowState;
  /** Current-window time buckets (index = floor(ts / bucket width)). */
  buckets: [number, WindowState][];
}

export interface TrafficMonitors {
  /** Record one call. Cheap (sketch updates); text features only with capture_text. */
  observe(o: TrafficObservation): void;
  /** Compare windows for every use case, raise alerts; returns the alerts raised. */
  runMonitors(now: number): DriftAlert[];
  status(useCase?: string, now?: number): UseCaseStatus[];
  /** Features judged drifting at each use case's last run (what the data_drift alert rule reads). */
  drifting(): DriftingFeature[];
  /** End a use case's reference window now (e.g. after a deliberate change). */
  freezeReference(useCase: string, now?: number): void;
  /** Compare a use case with a pinned dataset version's profile instead of its first weeks. */
  pinReference(useCase: string, profile: DatasetProfile): void;
  /** Reference windows survive restarts through these. */
  snapshot(): MonitorSnapshot;
  restore(s: MonitorSnapshot): void;
  /** Each use case's windows as of `now` (expired buckets dropped): what a replica shares. */
  windows(now: number): UseCaseWindows[];
  /** Replace a use case's windows and verdicts (the leader loads the merge of every replica's). */
  load(u: UseCaseWindows & { features: FeatureStatus[]; lastRun: number | null }): void;
  /** Take the cluster's view of when a use case's reference window started and ended. */
  adopt(useCase: string, cluster: { firstSeen: number; frozenAt: number | null }): void;
  forget(useCase: string): void;
  /** Run on an interval until stopped (timer is unref'd). */
  start(intervalMs?: number): () => void;
}
