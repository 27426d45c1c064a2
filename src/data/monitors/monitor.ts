import type { MonitorSettings } from '../settings.js';
import { compareCategorical, compareNumeric, compareRate, compareTopic } from './compare.js';
import { detectLanguage, embedText, looksLikeRefusal } from './text.js';
import type { DriftAlert, DriftingFeature, FeatureStatus, TrafficMonitors, UseCaseStatus } from './types.js';
import {
  CATEGORICAL_FEATURES,
  NUMERIC_FEATURES,
  RATE_FEATURES,
  type TrafficObservation,
  type WindowState,
  WindowStats,
  windowOfProfile,
} from './window.js';

/**
 * Live traffic monitors. For each use case Keel keeps a reference window — its first
 * `reference_days` of traffic, or a pinned dataset version — and the current window (the last
 * `window_hours`, as fixed-width time buckets that roll off), both as bounded sketches. On each
 * `runMonitors(now)` every feature is compared (see compare.ts); a feature that starts drifting
 * raises a `firing` alert through `onDrift`, and one that recovers raises `resolved`. Prompts and
 * responses are not kept: with `capture_text` on, only their trigram embeddings and language.
 */

export type {
  DriftAlert,
  DriftingFeature,
  FeatureStatus,
  MonitorSnapshot,
  TrafficMonitors,
  UseCaseStatus,
} from './types.js';

interface UseCaseState {
  firstSeen: number;
  frozenAt: number | null;
  pinned: boolean;
  reference: WindowStats;
  buckets: Map<number, WindowStats>;
  features: Map<string, FeatureStatus>;
  lastRun: number | null;
}

const BUCKETS_PER_WINDOW = 24;
const MAX_USE_CASES = 1000;

/** The current window is kept as this many ms wide time buckets (bucket index = floor(ts / width)). */
export const bucketWidth = (windowMs: number) => Math.max(1, Math.floor(windowMs / BUCKETS_PER_WINDOW));

export function createTrafficMonitors(opts: {
  settings: MonitorSettings;
  onDrift: (alert: DriftAlert) => void;
  now?: () => number;
}): TrafficMonitors {
  const s = opts.settings;
  const bucketMs = bucketWidth(s.windowMs);
  const refMs = s.referenceDays * 864e5;
  const cases = new Map<string, UseCaseState>();

  function stateOf(useCase: string, ts: number): UseCaseState {
    let st = cases.get(useCase);
    if (!st) {
      if (cases.size >= MAX_USE_CASES) {
        // Forget the use case seen longest ago rather than grow without bound.
        let oldest: string | null = null;
        let t = Number.POSITIVE_INFINITY;
        for (const [k, v] of cases)
          if ((v.lastRun ?? v.firstSeen) < t) [oldest, t] = [k, v.lastRun ?? v.firstSeen];
        if (oldest) cases.delete(oldest);
      }
      st = {
        firstSeen: ts,
        frozenAt: null,
        pinned: false,
        reference: new WindowStats(),
        buckets: new Map(),
        features: new Map(),
        lastRun: null,
      };
      cases.set(useCase, st);
    }
    return st;
  }

  const referenceEnd = (st: UseCaseState) => st.frozenAt ?? st.firstSeen + refMs;

  function add(w: WindowStats, o: TrafficObservation): void {
    const e = o.event;
    w.n++;
    w.addNumeric('input_tokens', e.inputTokens);
    w.addNumeric('output_tokens', e.outputTokens);
    w.addNumeric('latency_ms', e.latencyMs);
    if (e.costUsd !== null) w.addNumeric('cost_usd', e.costUsd);
    w.addRate('error_rate', e.status >= 400 || e.errorCode !== null);
    const refusal =
      o.refusal ??
      (s.captureText && o.responseText !== undefined ? looksLikeRefusal(o.responseText) : undefined);
    if (refusal !== undefined) w.addRate('refusal_rate', refusal);
    if (o.schemaViolation !== undefined && o.schemaViolation !== null)
      w.addRate('schema_violation_rate', o.schemaViolation);
    if (o.guardFlagged !== undefined) w.addRate('guard_flag_rate', o.guardFlagged);
    w.addCategory('model', e.modelUpstream ?? e.modelRequested);
    if (s.captureText && o.promptText) {
      w.addCategory('language', detectLanguage(o.promptText));
      w.addEmbedding(embedText(o.promptText));
    }
  }

  function currentWindow(st: UseCaseState, now: number): WindowStats {
    const w = new WindowStats();
    const from = Math.floor((now - s.windowMs) / bucketMs);
    for (const [b, stats] of st.buckets) {
      if (b < from) st.buckets.delete(b);
      else w.merge(stats);
    }
    return w;
  }

  function compareAll(ref: WindowStats, cur: WindowStats): FeatureStatus[] {
    const out: FeatureStatus[] = [];
    const enough = (a: number, b: number) => a >= s.minEvents && b >= s.minEvents;
    const skip = (feature: string, method: string): FeatureStatus => ({
      feature,
      state: 'insufficient_data',
      method,
      statistic: Number.NaN,
      p_value: null,
      drifted: false,
      reference: {},
      current: {},
    });
    for (const f of NUMERIC_FEATURES) {
      const r = ref.numeric.get(f);
      const c = cur.numeric.get(f);
      if (!r || !c || !enough(r.n, c.n)) {
        if (r || c) out.push(skip(f, 'psi+ks'));
        continue;
      }
      const cmp = compareNumeric(r, c, { psi: s.psi, pValue: s.pValue });
      out.push({ feature: f, state: cmp.drifted ? 'drifting' : 'ok', ...cmp });
    }
    for (const f of RATE_FEATURES) {
      const r = ref.rates.get(f);
      const c = cur.rates.get(f);
      if (!r || !c || !enough(r.n, c.n)) {
        if (r || c) out.push(skip(f, 'z'));
        continue;
      }
      const cmp = compareRate(r, c, { pValue: s.pValue });
      out.push({ feature: f, state: cmp.drifted ? 'drifting' : 'ok', ...cmp });
    }
    for (const f of CATEGORICAL_FEATURES) {
      const r = ref.categorical.get(f);
      const c = cur.categorical.get(f);
      if (!r || !c || !enough(r.n, c.n)) {
        if (r || c) out.push(skip(f, 'jensenshannon'));
        continue;
      }
      const cmp = compareCategorical(r, c);
      out.push({ feature: f, state: cmp.drifted ? 'drifting' : 'ok', ...cmp });
    }
    if (ref.topicSum || cur.topicSum) {
      if (ref.topicSum && cur.topicSum && enough(ref.topicCount, cur.topicCount)) {
        const cmp = compareTopic(
          { sum: ref.topicSum, count: ref.topicCount, sample: ref.topicSample },
          { sum: cur.topicSum, count: cur.topicCount, sample: cur.topicSample },
          { pValue: s.pValue },
        );
        out.push({ feature: 'topic', state: cmp.drifted ? 'drifting' : 'ok', ...cmp });
      } else out.push(skip('topic', 'centroid+classifier'));
    }
    return out;
  }

  function alertOf(useCase: string, f: FeatureStatus, status: DriftAlert['status'], now: number): DriftAlert {
    const critical = f.feature === 'error_rate' || f.feature === 'schema_violation_rate';
    const what =
      f.p_value === null
        ? `${f.method} ${fmt(f.statistic)}`
        : `${f.method} statistic ${fmt(f.statistic)}, p = ${f.p_value.toExponential(2)}`;
    return {
      kind: 'data_drift',
      status,
      useCase,
      feature: f.feature,
      method: f.method,
      statistic: f.statistic,
      pValue: f.p_value,
      reference: f.reference,
      current: f.current,
      ts: now,
      severity: critical ? 'critical' : 'warning',
      message:
        status === 'firing'
          ? `Use case "${useCase}": ${f.feature} drifted from its reference window (${what}).`
          : `Use case "${useCase}": ${f.feature} is back in line with its reference window.`,
    };
  }

  // The bars compare.ts applies per method (minDelta, JS and accuracy use its defaults).
  function thresholdOf(method: string): Record<string, number> {
    if (method === 'psi+ks') return { psi: s.psi, p_value: s.pValue };
    if (method === 'z') return { p_value: s.pValue, min_delta: 0.02 };
    if (method === 'jensenshannon') return { distance: 0.1 };
    if (method === 'centroid+classifier') return { p_value: s.pValue, min_accuracy: 0.6 };
    return {};
  }

  const monitors: TrafficMonitors = {
    observe(o) {
      if (!s.enabled) return;
      const e = o.event;
      const st = stateOf(e.useCase, e.ts);
      if (!st.pinned && e.ts < referenceEnd(st)) {
        add(st.reference, o);
        return;
      }
      const b = Math.floor(e.ts / bucketMs);
      let w = st.buckets.get(b);
      if (!w) {
        w = new WindowStats(b);
        st.buckets.set(b, w);
      }
      add(w, o);
    },

    runMonitors(now) {
      const alerts: DriftAlert[] = [];
      for (const [useCase, st] of cases) {
        // A reference still filling up cannot be compared with yet.
        if (!st.pinned && now < referenceEnd(st)) {
          st.lastRun = now;
          continue;
        }
        const cur = currentWindow(st, now);
        const results = compareAll(st.reference, cur);
        for (const f of results) {
          const before = st.features.get(f.feature)?.state ?? 'ok';
          if (f.state === 'drifting' && before !== 'drifting')
            alerts.push(alertOf(useCase, f, 'firing', now));
          else if (f.state === 'ok' && before === 'drifting')
            alerts.push(alertOf(useCase, f, 'resolved', now));
          // Too little data keeps the previous verdict rather than flapping to "resolved".
          st.features.set(
            f.feature,
            f.state === 'insufficient_data' && before === 'drifting' ? { ...f, state: 'drifting' } : f,
          );
        }
        st.lastRun = now;
      }
      for (const a of alerts) opts.onDrift(a);
      return alerts;
    },

    status(useCase, at) {
      const out: UseCaseStatus[] = [];
      for (const [name, st] of cases) {
        if (useCase && name !== useCase) continue;
        // As of the given time, else as of the last run (what the feature verdicts describe).
        const now = at ?? st.lastRun ?? (opts.now ?? Date.now)();
        const cur = currentWindow(st, now);
        out.push({
          useCase: name,
          reference: {
            source: st.pinned ? 'pinned' : 'traffic',
            from: st.pinned ? null : st.firstSeen,
            until: st.pinned ? null : referenceEnd(st),
            complete: st.pinned || now >= referenceEnd(st),
            events: st.reference.n,
          },
          current: { from: now - s.windowMs, until: now, events: cur.n },
          features: [...st.features.values()],
          lastRun: st.lastRun,
        });
      }
      return out;
    },

    drifting() {
      const out: DriftingFeature[] = [];
      for (const [useCase, st] of cases) {
        if (st.lastRun === null) continue;
        for (const f of st.features.values()) {
          if (f.state !== 'drifting') continue;
          out.push({
            useCase,
            feature: f.feature,
            method: f.method,
            statistic: f.statistic,
            pValue: f.p_value,
            threshold: thresholdOf(f.method),
            window: { from: st.lastRun - s.windowMs, until: st.lastRun },
            reference: f.reference,
            current: f.current,
          });
        }
      }
      return out;
    },

    freezeReference(useCase, now = (opts.now ?? Date.now)()) {
      const st = stateOf(useCase, now);
      st.frozenAt = now;
    },

    pinReference(useCase, profile) {
      const st = stateOf(useCase, (opts.now ?? Date.now)());
      st.reference = windowOfProfile(profile);
      st.pinned = true;
      st.features.clear();
    },

    windows(now) {
      const from = Math.floor((now - s.windowMs) / bucketMs);
      return [...cases].map(([useCase, st]) => {
        for (const b of st.buckets.keys()) if (b < from) st.buckets.delete(b);
        return {
          useCase,
          firstSeen: st.firstSeen,
          frozenAt: st.frozenAt,
          pinned: st.pinned,
          reference: st.reference.toJSON(),
          buckets: [...st.buckets].map(([b, w]): [number, WindowState] => [b, w.toJSON()]),
        };
      });
    },

    load(u) {
      const st = stateOf(u.useCase, u.firstSeen);
      st.firstSeen = u.firstSeen;
      st.frozenAt = u.frozenAt;
      st.pinned = u.pinned;
      st.reference = WindowStats.fromJSON(u.reference);
      st.buckets = new Map(u.buckets.map(([b, w]) => [b, WindowStats.fromJSON(w)]));
      st.features = new Map(u.features.map((f) => [f.feature, f]));
      st.lastRun = u.lastRun;
    },

    adopt(useCase, cluster) {
      const st = cases.get(useCase);
      if (!st) return;
      st.firstSeen = Math.min(st.firstSeen, cluster.firstSeen);
      st.frozenAt = cluster.frozenAt;
    },

    forget(useCase) {
      cases.delete(useCase);
    },

    snapshot() {
      return {
        version: 1,
        useCases: [...cases].map(([useCase, st]) => ({
          useCase,
          firstSeen: st.firstSeen,
          frozenAt: st.frozenAt,
          pinned: st.pinned,
          reference: st.reference.toJSON(),
        })),
      };
    },

    restore(snap) {
      for (const u of snap.useCases) {
        const st = stateOf(u.useCase, u.firstSeen);
        st.firstSeen = u.firstSeen;
        st.frozenAt = u.frozenAt;
        st.pinned = u.pinned;
        st.reference = WindowStats.fromJSON(u.reference);
      }
    },

    start(intervalMs = s.intervalMs) {
      const t = setInterval(() => monitors.runMonitors((opts.now ?? Date.now)()), intervalMs);
      t.unref();
      return () => clearInterval(t);
    },
  };
  return monitors;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(3)) : String(x);
}
