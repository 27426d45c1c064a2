import path from 'node:path';
import type { Kysely } from 'kysely';
import type { AuditLog } from '../../audit/types.js';
import type { Database } from '../../store/db.js';
import type { KeelSchema } from '../../store/schema.js';
import { loadDriftProfile, saveDriftProfile } from '../drift/profile-cache.js';
import type { DriftProfile } from '../drift/run.js';
import { type Analysed, analyseFile } from './analyse.js';
import type { DatasetProfile } from './profile.js';
import { registerInTransaction } from './register.js';
import {
  type DatasetRow,
  getDataset,
  NAME_RE,
  toDataset,
  toVersion,
  type VersionRow,
  versionsOf,
} from './rows.js';
import type { ColumnKind } from './table.js';

export { type Analysed, analyseFile, analyseForDrift } from './analyse.js';
export { NAME_RE, newId } from './rows.js';

/**
 * The dataset registry: named datasets with owner, description, declared schema and source, and
 * immutable versions addressed by the SHA-256 of their bytes. Registering the same bytes again is
 * a no-op that returns the existing version; new bytes become the next version number. Each version
 * keeps a column profile (in the database) and a drift reference profile (sorted samples, on disk
 * under `dataDir/profiles/`), so drift against it never re-reads or re-sorts the data.
 */

export interface Dataset {
  id: string;
  name: string;
  owner: string | null;
  description: string | null;
  source: string | null;
  format: string | null;
  schema: DeclaredSchema | null;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
}

export interface DeclaredSchema {
  columns: { name: string; type?: string; description?: string }[];
}

export interface DatasetVersion {
  id: string;
  datasetId: string;
  datasetName: string;
  version: number;
  sha256: string;
  source: string | null;
  rows: number;
  bytes: number;
  columns: { name: string; kind: ColumnKind }[];
  profile: DatasetProfile;
  createdAt: number;
  createdBy: string;
}

export interface RegisterInput {
  name: string;
  file: string;
  owner?: string;
  description?: string;
  schema?: DeclaredSchema;
  format?: string;
}

export interface DatasetRegistry {
  register(
    input: RegisterInput,
    actor: string,
    analysed?: Analysed,
  ): Promise<{ dataset: Dataset; version: DatasetVersion; created: boolean }>;
  list(): Promise<(Dataset & { latest: Omit<DatasetVersion, 'profile'> | null; versions: number })[]>;
  get(name: string): Promise<Dataset | null>;
  versions(datasetId: string): Promise<DatasetVersion[]>;
  /** `name` (latest), `name@3`, `name@<sha256 prefix ≥ 8>` or a version id. */
  resolve(ref: string): Promise<DatasetVersion | null>;
  findBySha(sha256: string): Promise<DatasetVersion[]>;
  /** The drift reference profile of a version, from the on-disk cache. */
  driftProfile(v: DatasetVersion): Promise<DriftProfile | null>;
  readonly dataDir: string;
}

interface DatasetRegistryOptions {
  dataDir: string;
  /** Registrations and new versions are committed with their audit entries (`dataset.*`). */
  audit: AuditLog;
  now?: () => number;
}

export function createDatasetRegistry(database: Database, opts: DatasetRegistryOptions): DatasetRegistry {
  const { db } = database;
  const now = opts.now ?? Date.now;
  const dataDir = opts.dataDir;
  const audit = opts.audit;

  const versionQuery = (q: Kysely<KeelSchema> = db) => versionsOf(q);
  const get = (name: string, q: Kysely<KeelSchema> = db) => getDataset(q, name);

  return {
    dataDir,

    async register(input, actor, pre) {
      if (!NAME_RE.test(input.name))
        throw new Error('dataset name: use letters, digits, ".", "_" or "-" (max 128)');
      const a = pre ?? (await analyseFile(input.file, input.format));
      const source = /^[a-z][a-z0-9+.-]*:\/\//i.test(input.file) ? input.file : path.resolve(input.file);
      const t = now();
      const known = await get(input.name);
      const existing = known
        ? await versionQuery()
            .where('v.dataset_id', '=', known.id)
            .where('v.sha256', '=', a.read.sha256)
            .executeTakeFirst()
        : undefined;
      // The profile cache is content-addressed, so writing it before the transaction is harmless
      // if the registration then fails; a known version only has it restored if it went missing.
      if (!existing || !(await loadDriftProfile(dataDir, a.read.sha256)))
        await saveDriftProfile(dataDir, a.read.sha256, a.drift);
      return audit.commit(database, (trx) =>
        registerInTransaction(trx, { input, actor, analysed: a, source, at: t }),
      );
    },

    async list() {
      const rows = (await db
        .selectFrom('data_datasets')
        .selectAll()
        .orderBy('name')
        .execute()) as DatasetRow[];
      const out = [];
      for (const r of rows) {
        const vs = await versionQuery()
          .where('v.dataset_id', '=', r.id)
          .orderBy('v.version', 'desc')
          .execute();
        const latest = vs[0] ? toVersion(vs[0] as VersionRow) : null;
        if (latest) (latest as Partial<DatasetVersion>).profile = undefined;
        out.push({
          ...toDataset(r),
          latest: latest as Omit<DatasetVersion, 'profile'> | null,
          versions: vs.length,
        });
      }
      return out;
    },

    get,

    async versions(datasetId) {
      const rows = await versionQuery()
        .where('v.dataset_id', '=', datasetId)
        .orderBy('v.version', 'desc')
        .execute();
      return rows.map((r) => toVersion(r as VersionRow));
    },

    async resolve(ref) {
      if (ref.startsWith('dv_')) {
        const r = await versionQuery().where('v.id', '=', ref).executeTakeFirst();
        return r ? toVersion(r as VersionRow) : null;
      }
      const at = ref.lastIndexOf('@');
      const name = at > 0 ? ref.slice(0, at) : ref;
      const sel = at > 0 ? ref.slice(at + 1) : 'latest';
      const ds = await get(name);
      if (!ds) return null;
      let q = versionQuery().where('v.dataset_id', '=', ds.id);
      if (sel === 'latest') q = q.orderBy('v.version', 'desc');
      else if (/^v?\d+$/.test(sel)) q = q.where('v.version', '=', Number(sel.replace(/^v/, '')));
      else if (/^[0-9a-f]{8,64}$/i.test(sel)) q = q.where('v.sha256', 'like', `${sel.toLowerCase()}%`);
      else return null;
      const r = await q.executeTakeFirst();
      return r ? toVersion(r as VersionRow) : null;
    },

    async findBySha(sha256) {
      const rows = await versionQuery().where('v.sha256', '=', sha256).execute();
      return rows.map((r) => toVersion(r as VersionRow));
    },

    async driftProfile(v) {
      return loadDriftProfile(dataDir, v.sha256);
    },
  };
}
