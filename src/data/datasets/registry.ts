import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { AuditEntryInput, AuditLog } from '../../audit/types.js';
import type { Database } from '../../store/db.js';
import type { KeelSchema } from '../../store/schema.js';
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

export interface DatasetRegistryOptions {
  dataDir: string;
  /** Registrations and new versions are committed with their audit entries (`dataset.*`). */
  audit: AuditLog;
  now?: () => number;
}

/** What a dataset's audit entry says about it: names and sizes, never its source (it may hold credentials). */
function datasetDetails(d: Pick<Dataset, 'name' | 'owner' | 'description' | 'format' | 'schema'>) {
  return {
    name: d.name,
    owner: d.owner,
    description: d.description,
    format: d.format,
    schema_columns: d.schema?.columns.length ?? null,
  };
}

export function createDatasetRegistry(database: Database, opts: DatasetRegistryOptions): DatasetRegistry {
  const { db } = database;
  const now = opts.now ?? Date.now;
  const dataDir = opts.dataDir;
  const audit = opts.audit;

  const versionQuery = (q: Kysely<KeelSchema> = db) =>
    q
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

  async function get(name: string, q: Kysely<KeelSchema> = db): Promise<Dataset | null> {
    const r = await q.selectFrom('data_datasets').selectAll().where('name', '=', name).executeTakeFirst();
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
      return audit.commit<{ dataset: Dataset; version: DatasetVersion; created: boolean }>(
        database,
        async (trx) => {
          const entries: AuditEntryInput[] = [];
          let dataset = await get(input.name, trx);
          if (!dataset) {
            await trx
              .insertInto('data_datasets')
              .values({
                id: newId('ds'),
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
            dataset = (await get(input.name, trx)) as Dataset;
            entries.push({
              actor,
              action: 'dataset.register',
              target: dataset.name,
              details: datasetDetails(dataset),
            });
          } else {
            const changed = {
              ...(input.owner !== undefined && input.owner !== dataset.owner ? { owner: input.owner } : {}),
              ...(input.description !== undefined && input.description !== dataset.description
                ? { description: input.description }
                : {}),
              ...(input.schema !== undefined &&
              JSON.stringify(input.schema) !== JSON.stringify(dataset.schema)
                ? { schema_json: JSON.stringify(input.schema) }
                : {}),
            };
            if (Object.keys(changed).length > 0) {
              const before = dataset;
              await trx
                .updateTable('data_datasets')
                .set({ ...changed, updated_at: t })
                .where('id', '=', dataset.id)
                .execute();
              dataset = (await get(input.name, trx)) as Dataset;
              entries.push({
                actor,
                action: 'dataset.update',
                target: dataset.name,
                details: { before: datasetDetails(before), after: datasetDetails(dataset) },
              });
            }
          }
          const same = await versionQuery(trx)
            .where('v.dataset_id', '=', dataset.id)
            .where('v.sha256', '=', a.read.sha256)
            .executeTakeFirst();
          if (same)
            return { result: { dataset, version: toVersion(same as VersionRow), created: false }, entries };
          const last = await trx
            .selectFrom('data_dataset_versions')
            .select((eb) => eb.fn.max('version').as('v'))
            .where('dataset_id', '=', dataset.id)
            .executeTakeFirst();
          const version = Number(last?.v ?? 0) + 1;
          const id = newId('dv');
          await trx
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
          await trx
            .updateTable('data_datasets')
            .set({ updated_at: t, source })
            .where('id', '=', dataset.id)
            .execute();
          const row = toVersion(
            (await versionQuery(trx).where('v.id', '=', id).executeTakeFirstOrThrow()) as VersionRow,
          );
          entries.push({
            actor,
            action: 'dataset.version',
            target: `${dataset.name}@${version}`,
            details: {
              dataset: dataset.name,
              version,
              version_id: id,
              sha256: row.sha256,
              rows: row.rows,
              bytes: row.bytes,
              columns: row.columns.length,
            },
          });
          return { result: { dataset, version: row, created: true }, entries };
        },
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
