import { createHash } from 'node:crypto';
import { mkdir, realpath, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Contract, contractSchema, parseContract } from '../../../data/contracts/schema.js';
import { formatOf } from '../../../data/datasets/read.js';
import type { Dataset, DatasetVersion } from '../../../data/datasets/registry.js';
import { STAT_TESTS } from '../../../data/drift/stattests.js';
import { checkJob, driftJob, type JobDeps } from '../../../data/jobs.js';
import { KeelError } from '../../../errors.js';
import { created } from '../api/declare.js';
import { onlyFields, readAdminBody } from '../body.js';
import { actorOf, type Ctx, type DataRoutesDeps, guarded, invalid, iso, pathParam, str } from './shared.js';

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

    registerDataset: async (c: Ctx) => {
      const body = await readAdminBody(c.req.raw);
      onlyFields(body, new Set(['name', 'path', 'owner', 'description', 'schema', 'format']));
      const name = str(body.name, 'name', true) as string;
      const file = await allowedPath(str(body.path, 'path', true) as string);
      const r = await guarded(() =>
        data.registry.register(
          {
            name,
            file,
            ...(str(body.owner, 'owner') ? { owner: body.owner as string } : {}),
            ...(str(body.description, 'description') ? { description: body.description as string } : {}),
            ...(body.schema && typeof body.schema === 'object' ? { schema: body.schema as never } : {}),
            ...(str(body.format, 'format') ? { format: body.format as string } : {}),
          },
          actorOf(c),
        ),
      );
      return registered(r);
    },

    /** Upload the bytes of a new version (CSV, TSV or JSON lines) as the request body. */
    uploadVersion: async (c: Ctx) => {
      const name = pathParam(c, 'name');
      const type = (c.req.header('content-type') ?? '').toLowerCase();
      const requested =
        c.req.query('format') ??
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
    checkVersion: async (c: Ctx) => {
      const body = await readAdminBody(c.req.raw);
      onlyFields(body, new Set(['contract', 'version']));
      const v = await data.registry.resolve(
        `${pathParam(c, 'name')}@${str(body.version, 'version') ?? 'latest'}`,
      );
      if (!v) throw new KeelError('not_found', 'No such dataset version.', { param: 'version' });
      let contract: Contract;
      if (typeof body.contract === 'string')
        contract = await guarded(async () => parseContract(body.contract as string));
      else if (body.contract && typeof body.contract === 'object') {
        const p = contractSchema.safeParse(body.contract);
        if (!p.success)
          throw invalid(
            `contract: ${p.error.issues[0]?.path.join('.')}: ${p.error.issues[0]?.message}`,
            'contract',
          );
        contract = p.data;
      } else throw invalid('contract (YAML text or an object) is required.', 'contract');
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

    drift: async (c: Ctx) => {
      const body = await readAdminBody(c.req.raw);
      onlyFields(
        body,
        new Set(['reference', 'current', 'method', 'threshold', 'columns', 'drift_share', 'store']),
      );
      const side = async (field: string) => {
        const v = str(body[field], field, true) as string;
        // Registered versions by reference; files only inside the allowed roots.
        if ((await data.registry.resolve(v)) !== null) return v;
        return allowedPath(v);
      };
      const reference = await side('reference');
      const current = await side('current');
      const method = (body.method ?? 'auto') as string;
      if (method !== 'auto' && !(STAT_TESTS as readonly string[]).includes(method))
        throw invalid(`method must be auto or one of ${STAT_TESTS.join(', ')}.`, 'method');
      if (body.threshold !== undefined && !(typeof body.threshold === 'number' && body.threshold > 0))
        throw invalid('threshold must be a positive number.', 'threshold');
      if (
        body.drift_share !== undefined &&
        !(typeof body.drift_share === 'number' && body.drift_share >= 0 && body.drift_share <= 1)
      )
        throw invalid('drift_share must be between 0 and 1.', 'drift_share');
      if (
        body.columns !== undefined &&
        !(Array.isArray(body.columns) && body.columns.every((x) => typeof x === 'string'))
      )
        throw invalid('columns must be a list of column names.', 'columns');
      const r = await guarded(() =>
        driftJob(
          reference,
          current,
          {
            method: method as never,
            store: body.store !== false,
            ...(typeof body.threshold === 'number' ? { threshold: body.threshold } : {}),
            ...(typeof body.drift_share === 'number' ? { driftShare: body.drift_share } : {}),
            ...(Array.isArray(body.columns) ? { columns: body.columns as string[] } : {}),
          },
          jobDeps(c),
        ),
      );
      return { ...r.report, result_id: r.storedId };
    },
  };
}
