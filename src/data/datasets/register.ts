import type { Kysely } from 'kysely';
import type { AuditEntryInput, AuditedChange } from '../../audit/types.js';
import type { KeelSchema } from '../../store/schema.js';
import type { Analysed } from './analyse.js';
import type { Dataset, DatasetVersion, RegisterInput } from './registry.js';
import { getDataset, newId, toVersion, type VersionRow, versionsOf } from './rows.js';

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

/**
 * One registration inside the caller's audited transaction: the dataset (created, or its owner,
 * description or schema changed) and a new version for new bytes, with an entry for each change.
 * Bytes the dataset already has change nothing and record nothing.
 */
export async function registerInTransaction(
  trx: Kysely<KeelSchema>,
  r: { input: RegisterInput; actor: string; analysed: Analysed; source: string; at: number },
): Promise<AuditedChange<{ dataset: Dataset; version: DatasetVersion; created: boolean }>> {
  const { input, actor, source, at: t } = r;
  const a = r.analysed;
  const entries: AuditEntryInput[] = [];
  let dataset = await getDataset(trx, input.name);
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
    dataset = (await getDataset(trx, input.name)) as Dataset;
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
      ...(input.schema !== undefined && JSON.stringify(input.schema) !== JSON.stringify(dataset.schema)
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
      dataset = (await getDataset(trx, input.name)) as Dataset;
      entries.push({
        actor,
        action: 'dataset.update',
        target: dataset.name,
        details: { before: datasetDetails(before), after: datasetDetails(dataset) },
      });
    }
  }
  const same = await versionsOf(trx)
    .where('v.dataset_id', '=', dataset.id)
    .where('v.sha256', '=', a.read.sha256)
    .executeTakeFirst();
  if (same) return { result: { dataset, version: toVersion(same as VersionRow), created: false }, entries };
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
    (await versionsOf(trx).where('v.id', '=', id).executeTakeFirstOrThrow()) as VersionRow,
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
}
