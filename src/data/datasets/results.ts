import type { Database } from '../../store/db.js';
import type { DriftReport } from '../drift/run.js';
import type { CheckReport } from '../quality/check.js';
import { newId } from './registry.js';

/** Data-check and drift results, stored against the dataset versions they ran on. */

interface StoredCheck {
  id: string;
  datasetVersionId: string | null;
  fileSha256: string;
  contract: string;
  passed: boolean;
  failedRules: number;
  report: CheckReport;
  createdAt: number;
  createdBy: string;
}

interface StoredDrift {
  id: string;
  referenceVersionId: string | null;
  currentVersionId: string | null;
  referenceSha256: string;
  currentSha256: string;
  datasetDrift: boolean;
  share: number;
  driftedColumns: number;
  report: DriftReport;
  createdAt: number;
  createdBy: string;
}

export interface ResultStore {
  recordCheck(
    r: { datasetVersionId: string | null; fileSha256: string; report: CheckReport },
    actor: string,
  ): Promise<string>;
  recordDrift(
    r: {
      referenceVersionId: string | null;
      currentVersionId: string | null;
      referenceSha256: string;
      currentSha256: string;
      report: DriftReport;
    },
    actor: string,
  ): Promise<string>;
  checks(versionId: string, limit?: number): Promise<StoredCheck[]>;
  drifts(versionId: string, limit?: number): Promise<StoredDrift[]>;
}

export function createResultStore(database: Database, opts: { now?: () => number } = {}): ResultStore {
  const { db } = database;
  const now = opts.now ?? Date.now;
  return {
    async recordCheck(r, actor) {
      const id = newId('chk');
      await db
        .insertInto('data_check_results')
        .values({
          id,
          dataset_version_id: r.datasetVersionId,
          file_sha256: r.fileSha256,
          contract_name: r.report.contract,
          passed: r.report.passed ? 1 : 0,
          failed_rules: r.report.failed_rules,
          report_json: JSON.stringify(r.report),
          created_at: now(),
          created_by: actor,
        })
        .execute();
      return id;
    },

    async recordDrift(r, actor) {
      const id = newId('drf');
      await db
        .insertInto('data_drift_runs')
        .values({
          id,
          reference_version_id: r.referenceVersionId,
          current_version_id: r.currentVersionId,
          reference_sha256: r.referenceSha256,
          current_sha256: r.currentSha256,
          dataset_drift: r.report.dataset.dataset_drift ? 1 : 0,
          share: r.report.dataset.share,
          drifted_columns: r.report.dataset.drifted_columns,
          report_json: JSON.stringify(r.report),
          created_at: now(),
          created_by: actor,
        })
        .execute();
      return id;
    },

    async checks(versionId, limit = 50) {
      const rows = await db
        .selectFrom('data_check_results')
        .selectAll()
        .where('dataset_version_id', '=', versionId)
        .orderBy('created_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        datasetVersionId: r.dataset_version_id,
        fileSha256: r.file_sha256,
        contract: r.contract_name,
        passed: Number(r.passed) === 1,
        failedRules: Number(r.failed_rules),
        report: JSON.parse(r.report_json) as CheckReport,
        createdAt: Number(r.created_at),
        createdBy: r.created_by,
      }));
    },

    async drifts(versionId, limit = 50) {
      const rows = await db
        .selectFrom('data_drift_runs')
        .selectAll()
        .where((eb) =>
          eb.or([eb('current_version_id', '=', versionId), eb('reference_version_id', '=', versionId)]),
        )
        .orderBy('created_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        referenceVersionId: r.reference_version_id,
        currentVersionId: r.current_version_id,
        referenceSha256: r.reference_sha256,
        currentSha256: r.current_sha256,
        datasetDrift: Number(r.dataset_drift) === 1,
        share: Number(r.share),
        driftedColumns: Number(r.drifted_columns),
        report: JSON.parse(r.report_json) as DriftReport,
        createdAt: Number(r.created_at),
        createdBy: r.created_by,
      }));
    },
  };
}
