import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { KeelSchema } from '../../store/schema.js';
import type { Dataset, DatasetVersion, DeclaredSchema } from './registry.js';

/** Dataset rows as stored, and the queries the registry and a registration share. */

export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}

export type VersionRow = {
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

export type DatasetRow = {
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

export function toDataset(r: DatasetRow): Dataset {
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

export function toVersion(r: VersionRow): DatasetVersion {
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

/** Versions joined with their dataset's name, on the store or inside a transaction. */
export const versionsOf = (q: Kysely<KeelSchema>) =>
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

export async function getDataset(q: Kysely<KeelSchema>, name: string): Promise<Dataset | null> {
  const r = await q.selectFrom('data_datasets').selectAll().where('name', '=', name).executeTakeFirst();
  return r ? toDataset(r as DatasetRow) : null;
}
