import { createHash } from 'node:crypto';
import { mkdir, realpath, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { type Contract, contractSchema, parseContract } from '../../../data/contracts/schema.js';
import { formatOf } from '../../../data/datasets/read.js';
import type { Dataset, DatasetVersion } from '../../../data/datasets/registry.js';
import { STAT_TESTS } from '../../../data/drift/stattests.js';
import { checkJob, driftJob, type JobDeps } from '../../../data/jobs.js';
import { KeelError } from '../../../errors.js';
import { created, type InputOf } from '../api/declare.js';
import { optionalText, textField } from '../api/inputs.js';
import { actorOf, type Ctx, type DataRoutesDeps, guarded, invalid, iso, pathParam } from './shared.js';

function publicDataset(d: Dataset) {
  return {
    id: d.id,
    name: d.name,
    owner: d.owner,
    description: d.description,
    source: d.source,
    format: d.format,
    schema: d.schema,
    created_at: iso(d.createdAt),
    updated_at: iso(d.updatedAt),
    created_by: d.createdBy,
  };
}

function publicVersion(
  v: Omit<DatasetVersion, 'profile'> & { profile?: DatasetVersion['profile'] },
  withProfile: boolean,
) {
  return {
    id: v.id,
    dataset: v.datasetName,
    version: v.version,
    ref: `${v.datasetName}@${v.version}`,
    sha256: v.sha256,
    source: v.source,
    rows: v.rows,
    bytes: v.bytes,
    columns: v.columns,
    ...(withProfile && v.profile ? { profile: v.profile } : {}),
    created_at: iso(v.createdAt),
    created_by: v.createdBy,
  };
}

/** A registration's answer: 201 when it made a new version, 200 when the bytes were known. */
function registered(r: { dataset: Dataset; version: DatasetVersion; created: boolean }) {
  const out = {
    dataset: publicDataset(r.dataset),
    version: publicVersion(r.version, true),
    created: r.created,
  };
  return r.created ? created(out) : out;
}

const CONTRACT_REQUIRED = 'contract (YAML text or an object) is required.';
const STAT_METHODS = ['auto', ...STAT_TESTS] as const;

/** The declared inputs of the dataset routes (data/index.ts). */
export const datasetInputs = {
  register: z.strictObject({
    name: textField('name'),
    path: textField('path'),
    owner: optionalText('owner'),
    description: optionalText('description'),
    schema: z.unknown().optional(),
    format: optionalText('format'),
  }),
  upload: z.object({ format: z.string().optional() }),
  check: z.strictObject({
    contract: z.union([z.string(), z.record(z.string(), z.unknown())], { error: CONTRACT_REQUIRED }),
    version: optionalText('version'),
  }),
  drift: z.strictObject({
    reference: textField('reference'),
    current: textField('current'),
    method: z
      .enum(STAT_METHODS, { error: `method must be auto or one of ${STAT_TESTS.join(', ')}.` })
      .default('auto'),
    threshold: z
      .number({ error: 'threshold must be a positive number.' })
      .positive('threshold must be a positive number.')
      .optional(),
    columns: z.array(z.string(), { error: 'columns must be a list of column names.' }).optional(),
    drift_share: z
      .number({ error: 'drift_share must be between 0 and 1.' })
      .min(0, 'drift_share must be between 0 and 1.')
      .max(1, 'drift_share must be between 0 and 1.')
      .optional(),
    store: z.unknown().optional(),
  }),
};
type Inputs = typeof datasetInputs;

export function datasetHandlers(deps: DataRoutesDeps) {
  const { data } = deps;
  const maxUpload = deps.maxUploadBytes ?? 256 * 1024 * 1024;
  const roots = deps.allowedRoots ?? [process.cwd(), data.settings.dataDir];
  const jobDeps = (c: Ctx): JobDeps => ({
    registry: data.registry,
    results: data.results,
    emitter: data.emitter,
    namespace: data.settings.lineage.namespace,
    actor: actorOf(c),
    ...(deps.now ? { now: deps.now } : {}),
  });

  /** A server-side path is only readable inside the configured roots (no reading /etc via the API). */
  async function allowedPath(p: string): Promise<string> {
    let real: string;
    try {
      real = await realpath(path.resolve(p));
    } catch {
      throw new KeelError('not_found', 'File not found.', { param: 'path' });
    }
    for (const r of roots) {
      const root = await realpath(r).catch(() => path.resolve(r));
      if (real === root || real.startsWith(root + path.sep)) return real;
    }
    throw new KeelError('permission_denied', 'That path is outside the directories the data API may read.', {
      param: 'path',
    });
  }

  const versionOf = async (c: Ctx) => {
    const v = await data.registry.resolve(`${pathParam(c, 'name')}@${pathParam(c, 'version')}`);
    if (!v)
      throw new KeelError(
        'not_found',
        'No such dataset version (use a number, "latest" or a sha256 prefix).',
        { param: 'version' },
      );
    return v;
  };

  return {
    listDatasets: async (_c: Ctx) => {
      const all = await data.registry.list();
      return {
        object: 'list' as const,
        data: all.map((d) => ({
          ...publicDataset(d),
          versions: d.versions,
          latest: d.latest ? publicVersion(d.latest, false) : null,
        })),
      };
    },

    registerDataset: async (c: Ctx, { body }: InputOf<{ body: Inputs['register'] }>) => {
      const file = await allowedPath(body.path);
      const r = await guarded(() =>
        data.registry.register(
          {
            name: body.name,
            file,
            ...(body.owner ? { owner: body.owner } : {}),
            ...(body.description ? { description: body.description } : {}),
            ...(body.schema && typeof body.schema === 'object' ? { schema: body.schema as never } : {}),
            ...(body.format ? { format: body.format } : {}),
          },
          actorOf(c),
        ),
      );
      return registered(r);
    },

    /** Upload the bytes of a new version (CSV, TSV or JSON lines) as the request body. */
    uploadVersion: async (c: Ctx, { query }: InputOf<{ query: Inputs['upload'] }>) => {
      const name = pathParam(c, 'name');
      const type = (c.req.header('content-type') ?? '').toLowerCase();
      const requested =
        query.format ??
        (type.includes('ndjson') || type.includes('jsonl')
          ? 'jsonl'
          : type.includes('tab-separated')
            ? 'tsv'
            : 'csv');
      // The format becomes the upload's file extension, so only a known one (a NUL or "/../" in it
      // made a bad path: a 500, or a file written outside the uploads folder).
      let format: string;
      try {
        format = formatOf('', requested);
      } catch (e) {
        throw invalid((e as Error).message, 'format');
      }
      const len = Number(c.req.header('content-length') ?? 0);
      if (len > maxUpload)
        throw new KeelError('body_too_large', `Uploads are limited to ${maxUpload} bytes.`);
      const buf = Buffer.from(await c.req.arrayBuffer());
      if (buf.length > maxUpload)
        throw new KeelError('body_too_large', `Uploads are limited to ${maxUpload} bytes.`);
      if (buf.length === 0) throw invalid('The request body is empty: send the file as the body.');
      const dir = path.join(data.settings.dataDir, 'uploads');
      await mkdir(dir, { recursive: true });
      const tmp = path.join(dir, `.upload-${process.pid}-${Date.now()}.${format}`);
      await writeFile(tmp, buf);
      const file = path.join(dir, `${createHash('sha256').update(buf).digest('hex')}.${format}`);
      await rename(tmp, file);
      const r = await guarded(() => data.registry.register({ name, file, format }, actorOf(c)));
      return registered(r);
    },

    getDataset: async (c: Ctx) => {
      const d = await data.registry.get(pathParam(c, 'name'));
      if (!d) throw new KeelError('not_found', 'No dataset with that name.', { param: 'name' });
      const versions = await data.registry.versions(d.id);
      return { ...publicDataset(d), versions: versions.map((v) => publicVersion(v, false)) };
    },

    getVersion: async (c: Ctx) => publicVersion(await versionOf(c), true),

    results: async (c: Ctx) => {
      const v = await versionOf(c);
      const [checks, drifts] = await Promise.all([data.results.checks(v.id), data.results.drifts(v.id)]);
      return {
        version: `${v.datasetName}@${v.version}`,
        checks: checks.map((x) => ({
          id: x.id,
          contract: x.contract,
          passed: x.passed,
          failed_rules: x.failedRules,
          report: x.report,
          created_at: iso(x.createdAt),
          created_by: x.createdBy,
        })),
        drifts: drifts.map((x) => ({
          id: x.id,
          role: x.currentVersionId === v.id ? 'current' : 'reference',
          dataset_drift: x.datasetDrift,
          share: x.share,
          drifted_columns: x.driftedColumns,
          report: x.report,
          created_at: iso(x.createdAt),
          created_by: x.createdBy,
        })),
      };
    },

    /** Check a registered version (its source file must still hold the registered bytes). */
    checkVersion: async (c: Ctx, { body }: InputOf<{ body: Inputs['check'] }>) => {
      const v = await data.registry.resolve(`${pathParam(c, 'name')}@${body.version ?? 'latest'}`);
      if (!v) throw new KeelError('not_found', 'No such dataset version.', { param: 'version' });
      let contract: Contract;
      const given = body.contract;
      if (typeof given === 'string') contract = await guarded(async () => parseContract(given));
      else {
        const p = contractSchema.safeParse(given);
        if (!p.success)
          throw invalid(
            `contract: ${p.error.issues[0]?.path.join('.')}: ${p.error.issues[0]?.message}`,
            'contract',
          );
        contract = p.data;
      }
      if (!v.source) throw invalid('This version has no source file to check.');
      const source = v.source;
      const r = await guarded(() =>
        checkJob(source, { ...contract, dataset: v.datasetName }, {}, jobDeps(c)),
      );
      if (r.version?.sha256 !== v.sha256)
        throw invalid(
          'The source file changed since this version was registered; register the new version and check that.',
        );
      return { ...r.report, dataset_version: `${v.datasetName}@${v.version}`, result_id: r.storedId };
    },

    drift: async (c: Ctx, { body }: InputOf<{ body: Inputs['drift'] }>) => {
      // Registered versions by reference; files only inside the allowed roots.
      const side = async (v: string) => ((await data.registry.resolve(v)) !== null ? v : allowedPath(v));
      const reference = await side(body.reference);
      const current = await side(body.current);
      const r = await guarded(() =>
        driftJob(
          reference,
          current,
          {
            method: body.method,
            store: body.store !== false,
            ...(body.threshold !== undefined ? { threshold: body.threshold } : {}),
            ...(body.drift_share !== undefined ? { driftShare: body.drift_share } : {}),
            ...(body.columns ? { columns: body.columns } : {}),
          },
          jobDeps(c),
        ),
      );
      return { ...r.report, result_id: r.storedId };
    },
  };
}
