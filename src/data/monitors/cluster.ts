import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../../audit/types.js';
import type { Database } from '../../store/db.js';
import type { DatasetProfile } from '../datasets/profile.js';
import type { DatasetVersion } from '../datasets/registry.js';
import { bucketWidth } from './monitor.js';
import type { DriftAlert, DriftingFeature, TrafficMonitors, UseCaseStatus, UseCaseWindows } from './types.js';
import { type WindowState, WindowStats, windowOfProfile } from './window.js';

/**
 * Live traffic monitors across replicas. Each replica sees only its own traffic, so it shares its
 * windows through the store: `sync()` writes one `monitor_windows` row per use case under its own
 * replica id (cumulative: the reference it added to, and its current-window buckets). Windows are
 * mergeable sketches, so the leader's `evaluate()` merges every replica's row per use case (the
 * reference as one merged window, the buckets by time bucket), compares them as one traffic, and
 * stores the verdicts in `monitor_status`, which every replica reads for /api and the data_drift
 * alert rule. A drift seen on one replica is therefore judged on the cluster's traffic, and a replica
 * that sees none cannot resolve it.
 *
 * Rows of replicas that stopped writing (restarted, scaled down) are folded by the leader into the
 * base row (replica id '') and deleted in one transaction, so what they observed survives and is
 * counted once. A replica whose row was folded while it was alive (it could not write for
 * `staleMs`) drops its local windows and starts a new row: it loses what it saw since its last
 * write, rather than counting the rest twice.
 */
export interface ClusterMonitors {
  readonly replicaId: string;
  /** Write this replica's windows; take the cluster's reference start, freeze and pin. */
  sync(now: number): Promise<void>;
  /** Leader: fold stale replicas, merge, compare, store verdicts; fires onDrift on the evaluator. */
  evaluate(now: number): Promise<DriftAlert[]>;
  status(useCase?: string): Promise<UseCaseStatus[]>;
  drifting(): Promise<DriftingFeature[]>;
  /** Freeze the reference window now (audited as `monitor.reference.freeze`). */
  freezeReference(useCase: string, now: number, actor: string): Promise<void>;
  /**
   * Compare the use case with a dataset version instead (audited as `monitor.reference.pin`);
   * pinning the profile already pinned changes nothing and writes no entry.
   */
  pinReference(useCase: string, version: PinnedVersion, now: number, actor: string): Promise<void>;
}

type PinnedVersion = Pick<DatasetVersion, 'profile' | 'datasetName' | 'version' | 'sha256'>;

interface ClusterMonitorsDeps {
  database: Database;
  /** Reference freezes and pins are committed with their audit entries. */
  audit: AuditLog;
  /** This replica's own observations. */
  local: TrafficMonitors;
  /** Holds the merged windows during an evaluation; its onDrift is where drift goes. */
  evaluator: TrafficMonitors;
  /** Rows not written for this long belong to a replica that is gone. */
  staleMs: number;
  /** The current window's length (monitors.window_hours): older buckets are dropped when folding. */
  windowMs: number;
  replicaId?: string;
}

const BASE = '';

export function createClusterMonitors(deps: ClusterMonitorsDeps): ClusterMonitors {
  const { db } = deps.database;
  const replicaId = deps.replicaId ?? randomUUID();
  const written = new Set<string>();

  async function references() {
    const rows = await db.selectFrom('monitor_references').selectAll().execute();
    return new Map(
      rows.map((r) => [
        r.use_case,
        {
          frozenAt: r.frozen_at === null ? null : Number(r.frozen_at),
          pinned: r.pinned === null ? null : (JSON.parse(r.pinned) as DatasetProfile),
        },
      ]),
    );
  }

  /** Stale replicas' rows into the base row, once: the delete decides who folds what. */
  async function fold(now: number): Promise<void> {
    await db.transaction().execute(async (trx) => {
      const gone = await trx
        .deleteFrom('monitor_windows')
        .where('replica_id', '<>', BASE)
        .where('updated_at', '<', now - deps.staleMs)
        .returningAll()
        .execute();
      if (gone.length === 0) return;
      const base = await trx
        .selectFrom('monitor_windows')
        .selectAll()
        .where('replica_id', '=', BASE)
        .execute();
      const merged = mergeRows(
        [...base, ...gone],
        Math.floor((now - deps.windowMs) / bucketWidth(deps.windowMs)),
      );
      for (const u of merged.values()) {
        const row = {
          first_seen: u.firstSeen,
          reference: JSON.stringify(u.reference),
          buckets: JSON.stringify(u.buckets),
          updated_at: now,
        };
        await trx
          .insertInto('monitor_windows')
          .values({ replica_id: BASE, use_case: u.useCase, ...row })
          .onConflict((oc) => oc.columns(['replica_id', 'use_case']).doUpdateSet(row))
          .execute();
      }
    });
  }

  return {
    replicaId,

    async sync(now) {
      for (const w of deps.local.windows(now)) {
        const row = {
          first_seen: w.firstSeen,
          reference: JSON.stringify(w.reference),
          buckets: JSON.stringify(w.buckets),
          updated_at: now,
        };
        if (!written.has(w.useCase)) {
          await db
            .insertInto('monitor_windows')
            .values({ replica_id: replicaId, use_case: w.useCase, ...row })
            .execute();
          written.add(w.useCase);
          continue;
        }
        const r = await db
          .updateTable('monitor_windows')
          .set(row)
          .where('replica_id', '=', replicaId)
          .where('use_case', '=', w.useCase)
          .executeTakeFirst();
        if (r.numUpdatedRows === 0n) {
          // Folded as gone: what it holds is counted already.
          deps.local.forget(w.useCase);
          written.delete(w.useCase);
        }
      }
      const firstSeen = await db
        .selectFrom('monitor_windows')
        .select(['use_case', (eb) => eb.fn.min('first_seen').as('first_seen')])
        .groupBy('use_case')
        .execute();
      const refs = await references();
      const pinned = new Set(deps.local.windows(now).flatMap((w) => (w.pinned ? [w.useCase] : [])));
      for (const [useCase, ref] of refs)
        if (ref.pinned && !pinned.has(useCase)) deps.local.pinReference(useCase, ref.pinned);
      for (const r of firstSeen)
        deps.local.adopt(r.use_case, {
          firstSeen: Number(r.first_seen),
          frozenAt: refs.get(r.use_case)?.frozenAt ?? null,
        });
    },

    async evaluate(now) {
      await fold(now);
      const rows = await db.selectFrom('monitor_windows').selectAll().execute();
      const refs = await references();
      const previous = new Map(
        (await db.selectFrom('monitor_status').selectAll().execute()).map((r) => [
          r.use_case,
          JSON.parse(r.status) as UseCaseStatus,
        ]),
      );
      for (const u of mergeRows(rows).values()) {
        const ref = refs.get(u.useCase);
        const before = previous.get(u.useCase);
        deps.evaluator.load({
          ...u,
          frozenAt: ref?.frozenAt ?? null,
          pinned: ref?.pinned != null,
          reference: ref?.pinned ? windowOfProfile(ref.pinned).toJSON() : u.reference,
          features: before?.features ?? [],
          lastRun: before?.lastRun ?? null,
        });
      }
      const alerts = deps.evaluator.runMonitors(now);
      const drifting = deps.evaluator.drifting();
      for (const st of deps.evaluator.status()) {
        const row = {
          status: JSON.stringify(st),
          drifting: JSON.stringify(drifting.filter((d) => d.useCase === st.useCase)),
          last_run: now,
        };
        await db
          .insertInto('monitor_status')
          .values({ use_case: st.useCase, ...row })
          .onConflict((oc) => oc.column('use_case').doUpdateSet(row))
          .execute();
      }
      return alerts;
    },

    async status(useCase) {
      let q = db.selectFrom('monitor_status').select('status').orderBy('use_case');
      if (useCase) q = q.where('use_case', '=', useCase);
      return (await q.execute()).map((r) => JSON.parse(r.status) as UseCaseStatus);
    },

    drifting() {
      return readDrifting(deps.database);
    },

    async freezeReference(useCase, now, actor) {
      await deps.audit.commit(deps.database, async (trx) => {
        await trx
          .insertInto('monitor_references')
          .values({ use_case: useCase, frozen_at: now, pinned: null, updated_at: now })
          .onConflict((oc) => oc.column('use_case').doUpdateSet({ frozen_at: now, updated_at: now }))
          .execute();
        const entry = {
          actor,
          action: 'monitor.reference.freeze',
          target: useCase,
          details: { use_case: useCase, frozen_at: now },
        };
        return { result: undefined, entries: [entry] };
      });
      deps.local.freezeReference(useCase, now);
    },

    async pinReference(useCase, version, now, actor) {
      const pinned = JSON.stringify(version.profile);
      await deps.audit.commit(deps.database, async (trx) => {
        const before = await trx
          .selectFrom('monitor_references')
          .select('pinned')
          .where('use_case', '=', useCase)
          .executeTakeFirst();
        if (before?.pinned === pinned) return { result: undefined, entries: [] };
        await trx
          .insertInto('monitor_references')
          .values({ use_case: useCase, frozen_at: null, pinned, updated_at: now })
          .onConflict((oc) => oc.column('use_case').doUpdateSet({ pinned, updated_at: now }))
          .execute();
        const entry = {
          actor,
          action: 'monitor.reference.pin',
          target: useCase,
          details: {
            use_case: useCase,
            dataset: `${version.datasetName}@${version.version}`,
            sha256: version.sha256,
            replaced: before?.pinned != null,
          },
        };
        return { result: undefined, entries: [entry] };
      });
      deps.local.pinReference(useCase, version.profile);
    },
  };
}

interface StoredWindows {
  use_case: string;
  first_seen: number | string | bigint;
  reference: string;
  buckets: string;
}

/** Every replica's windows of a use case as one: reference merged, buckets merged per bucket. */
function mergeRows(
  rows: readonly StoredWindows[],
  fromBucket = Number.NEGATIVE_INFINITY,
): Map<string, UseCaseWindows> {
  const acc = new Map<
    string,
    { firstSeen: number; reference: WindowStats; buckets: Map<number, WindowStats> }
  >();
  for (const r of rows) {
    let a = acc.get(r.use_case);
    if (!a) {
      a = { firstSeen: Number(r.first_seen), reference: new WindowStats(), buckets: new Map() };
      acc.set(r.use_case, a);
    }
    a.firstSeen = Math.min(a.firstSeen, Number(r.first_seen));
    a.reference.merge(WindowStats.fromJSON(JSON.parse(r.reference) as WindowState));
    for (const [b, w] of JSON.parse(r.buckets) as [number, WindowState][]) {
      if (b < fromBucket) continue;
      const mine = a.buckets.get(b);
      if (mine) mine.merge(WindowStats.fromJSON(w));
      else a.buckets.set(b, WindowStats.fromJSON(w));
    }
  }
  const out = new Map<string, UseCaseWindows>();
  for (const [useCase, a] of acc)
    out.set(useCase, {
      useCase,
      firstSeen: a.firstSeen,
      frozenAt: null,
      pinned: false,
      reference: a.reference.toJSON(),
      buckets: [...a.buckets].map(([b, w]): [number, WindowState] => [b, w.toJSON()]),
    });
  return out;
}

/**
 * The drifting features of the last verdicts the leader stored, for the data_drift alert rule: a
 * read of the store only, so the alert rules can take it without the monitors being built first.
 */
export async function readDrifting(database: Database): Promise<DriftingFeature[]> {
  const rows = await database.db
    .selectFrom('monitor_status')
    .select('drifting')
    .orderBy('use_case')
    .execute();
  return rows.flatMap((r) => JSON.parse(r.drifting) as DriftingFeature[]);
}
