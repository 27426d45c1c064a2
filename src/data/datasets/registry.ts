import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Database } from '../../store/db.js';
import { loadDriftProfile, saveDriftProfile } from '../drift/profile-cache.js';
import type { DriftProfile } from '../drift/run.js';
import { type Analysed, analyseFile } from './analyse.js';
import type { DatasetProfile } from './profile.js';
import type { ColumnKind } from './table.js';

export { type Analysed, analyseFile, analyseForDrift } from './analyse.js';

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

export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
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

type VersionRow = {
  id: string;
  dataset_id: string;
  version: number;
  sha256: string;
  source: string | null;
  rows: number;
  bytes: number | string | bigint;
  columns_json: string;
  profile_json: string;
  created_at: number | string | bigint;
  created_by: string;
  name: string;
};

type DatasetRow = {
  id: string;
  name: string;
  owner: string | null;
  description: string | null;
  source: string | null;
  format: string | null;
  schema_json: string | null;
  created_at: number | string | bigint;
  updated_at: number | string | bigint;
  created_by: string;
};

function toDataset(r: DatasetRow): Dataset {
  return {
    id: r.id,
    name: r.name,
    owner: r.owner,
    description: r.description,
    source: r.source,
    format: r.format,
    schema: r.schema_json ? (JSON.parse(r.schema_json) as DeclaredSchema) : null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    createdBy: r.created_by,
  };
}

function toVersion(r: VersionRow): DatasetVersion {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    datasetName: r.name,
    version: Number(r.version),
    sha256: r.sha256,
    source: r.source,
    rows: Number(r.rows),
    bytes: Number(r.bytes),
    columns: JSON.parse(r.columns_json),
    profile: JSON.parse(r.profile_json),
    createdAt: Number(r.created_at),
    createdBy: r.created_by,
  };
}

export function createDatasetRegistry(
  database: Database,
  opts: { dataDir: string; now?: () => number },
): DatasetRegistry {
  const { db } = database;
  const now = opts.now ?? Date.now;
  const dataDir = opts.dataDir;

  const versionQuery = () =>
    db
      .selectFrom('data_dataset_versions as v')
      .innerJoin('data_datasets as d', 'd.id', 'v.dataset_id')
      .select([
        'v.id',
        'v.dataset_id',
        'v.version',
        'v.sha256',
        'v.source',
        'v.rows',
        'v.bytes',
        'v.columns_json',
        'v.profile_json',
        'v.created_at',
        'v.created_by',
        'd.name',
      ]);

  async function get(name: string): Promise<Dataset | null> {
    const r = await db.selectFrom('data_datasets').selectAll().where('name', '=', name).executeTakeFirst();
    return r ? toDataset(r as DatasetRow) : null;
  }

  return {
    dataDir,

    async register(input, actor, pre) {
      if (!NAME_RE.test(input.name))
        throw new Error('dataset name: use letters, digits, ".", "_" or "-" (max 128)');
      const a = pre ?? (await analyseFile(input.file, input.format));
      const source = /^[a-z][a-z0-9+.-]*:\/\//i.test(input.file) ? input.file : path.resolve(input.file);
      const t = now();
      let dataset = await get(input.name);
      if (!dataset) {
        const id = newId('ds');
        await db
          .insertInto('data_datasets')
          .values({
            id,
            name: input.name,
            owner: input.owner ?? null,
            description: input.description ?? null,
            source,
            format: a.read.format,
            schema_json: input.schema ? JSON.stringify(input.schema) : null,
            created_at: t,
            updated_at: t,
            created_by: actor,
          })
          .execute();
        dataset = (await get(input.name)) as Dataset;
      } else if (input.owner !== undefined || input.description !== undefined || input.schema !== undefined) {
        await db
          .updateTable('data_datasets')
          .set({
            ...(input.owner !== undefined ? { owner: input.owner } : {}),
            ...(input.description !== undefined ? { description: input.description } : {}),
            ...(input.schema !== undefined ? { schema_json: JSON.stringify(input.schema) } : {}),
            updated_at: t,
          })
          .where('id', '=', dataset.id)
          .execute();
        dataset = (await get(input.name)) as Dataset;
      }
      const existing = await versionQuery()
        .where('v.dataset_id', '=', dataset.id)
        .where('v.sha256', '=', a.read.sha256)
        .executeTakeFirst();
      if (existing) {
        // The cache may have been removed; it is cheap to restore while the data is in hand.
        if (!(await loadDriftProfile(dataDir, a.read.sha256)))
          await saveDriftProfile(dataDir, a.read.sha256, a.drift);
        return { dataset, version: toVersion(existing as VersionRow), created: false };
      }
      await saveDriftProfile(dataDir, a.read.sha256, a.drift);
      const last = await db
        .selectFrom('data_dataset_versions')
        .select((eb) => eb.fn.max('version').as('v'))
        .where('dataset_id', '=', dataset.id)
        .executeTakeFirst();
      const version = Number(last?.v ?? 0) + 1;
      const id = newId('dv');
      await db
        .insertInto('data_dataset_versions')
        .values({
          id,
          dataset_id: dataset.id,
          version,
          sha256: a.read.sha256,
          source,
          rows: a.table.rows,
          bytes: a.read.bytes,
          columns_json: JSON.stringify(a.table.columns.map((c) => ({ name: c.name, kind: c.kind }))),
          profile_json: JSON.stringify(a.profile),
          created_at: t,
          created_by: actor,
        })
        .execute();
      await db
        .updateTable('data_datasets')
        .set({ updated_at: t, source })
        .where('id', '=', dataset.id)
        .execute();
      const row = await versionQuery().where('v.id', '=', id).executeTakeFirstOrThrow();
      return { dataset, version: toVersion(row as VersionRow), created: true };
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
