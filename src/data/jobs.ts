import { existsSync, statSync } from 'node:fs';
import type { Contract } from './contracts/schema.js';
import {
  type Analysed,
  analyseFile,
  analyseForDrift,
  type DatasetRegistry,
  type DatasetVersion,
} from './datasets/registry.js';
import type { ResultStore } from './datasets/results.js';
import { type DriftOptions, type DriftProfile, type DriftReport, runDrift } from './drift/run.js';
import type { LineageEmitter } from './lineage/emitter.js';
import { checkEvents, type DatasetRef, driftEvents } from './lineage/openlineage.js';
import { type CheckReport, runChecks } from './quality/check.js';

/**
 * The two data jobs — check a file against a contract, compare two datasets for drift — shared by
 * the CLI and the admin API. Each side of a job is a file path or a registered version
 * (`name`, `name@3`, `name@<sha prefix>`); registered versions use their cached drift profile.
 * Results are stored against dataset versions and, with a lineage endpoint, reported as
 * OpenLineage START / COMPLETE (or FAIL) events.
 */

export interface JobDeps {
  registry?: DatasetRegistry | null;
  results?: ResultStore | null;
  emitter?: LineageEmitter | null;
  namespace?: string;
  actor: string;
  now?: () => number;
}

interface Side {
  drift: DriftProfile;
  ref: DatasetRef;
  version: DatasetVersion | null;
  sha256: string;
  analysed: Analysed | null;
}

export class DataJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataJobError';
  }
}

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

function refOf(a: Analysed, location: string, v: DatasetVersion | null): DatasetRef {
  const r: DatasetRef = { location, sha256: a.read.sha256, bytes: a.read.bytes };
  // Lazy: the profile is only computed if a lineage event is built from this ref.
  Object.defineProperty(r, 'profile', { get: () => a.profile, enumerable: true });
  if (v) Object.assign(r, { registeredName: v.datasetName, version: v.version });
  return r;
}

/** Load one side: a file (read and profiled now) or a registered version (cached profile). */
async function loadSide(arg: string, deps: Pick<JobDeps, 'registry'>, format?: string): Promise<Side> {
  if (isFile(arg)) {
    const a = await analyseForDrift(arg, format);
    const known = deps.registry ? await deps.registry.findBySha(a.read.sha256) : [];
    const v = known[0] ?? null;
    return { drift: a.drift, ref: refOf(a, arg, v), version: v, sha256: a.read.sha256, analysed: a };
  }
  const v = deps.registry ? await deps.registry.resolve(arg) : null;
  if (!v) throw new DataJobError(`"${arg}" is neither a readable file nor a registered dataset version`);
  const cached = await deps.registry?.driftProfile(v);
  const ref: DatasetRef = {
    location: v.source ?? `keel:${v.datasetName}`,
    registeredName: v.datasetName,
    version: v.version,
    sha256: v.sha256,
    profile: v.profile,
    bytes: v.bytes,
  };
  if (cached) return { drift: cached, ref, version: v, sha256: v.sha256, analysed: null };
  // No cache: re-read the source, but only if it still holds the registered bytes.
  if (v.source && isFile(v.source)) {
    const a = await analyseForDrift(v.source);
    if (a.read.sha256 === v.sha256) return { drift: a.drift, ref, version: v, sha256: v.sha256, analysed: a };
  }
  throw new DataJobError(
    `the drift profile of ${v.datasetName}@${v.version} is missing and its source changed; re-register it`,
  );
}

interface DriftJobResult {
  report: DriftReport;
  reference: Side;
  current: Side;
  storedId: string | null;
}

export async function driftJob(
  referenceArg: string,
  currentArg: string,
  opts: DriftOptions & { store?: boolean },
  deps: JobDeps,
): Promise<DriftJobResult> {
  // Both sides load at once: with worker threads that is two cores parsing and sorting.
  const [reference, current] = await Promise.all([loadSide(referenceArg, deps), loadSide(currentArg, deps)]);
  const ctx = { namespace: deps.namespace ?? 'keel', ...(deps.now ? { now: deps.now } : {}) };
  let report: DriftReport;
  try {
    report = runDrift(reference.drift, current.drift, opts);
  } catch (e) {
    if (deps.emitter)
      await deps.emitter.emitRun(
        driftEvents(ctx, reference.ref, current.ref, { error: (e as Error).message }),
      );
    throw e;
  }
  let storedId: string | null = null;
  if (deps.results && opts.store !== false && (reference.version || current.version))
    storedId = await deps.results.recordDrift(
      {
        referenceVersionId: reference.version?.id ?? null,
        currentVersionId: current.version?.id ?? null,
        referenceSha256: reference.sha256,
        currentSha256: current.sha256,
        report,
      },
      deps.actor,
    );
  if (deps.emitter) await deps.emitter.emitRun(driftEvents(ctx, reference.ref, current.ref, { report }));
  return { report, reference, current, storedId };
}

interface CheckJobResult {
  report: CheckReport;
  version: DatasetVersion | null;
  storedId: string | null;
}

/**
 * Check a file against a contract. When the contract (or `dataset`) names a registered dataset the
 * file is registered as a version of it (idempotent, content-addressed) so the result has a version
 * to belong to; otherwise it is stored against any version with the same bytes.
 */
export async function checkJob(
  file: string,
  contract: Contract,
  opts: { dataset?: string; store?: boolean; format?: string },
  deps: JobDeps,
): Promise<CheckJobResult> {
  const ctx = { namespace: deps.namespace ?? 'keel', ...(deps.now ? { now: deps.now } : {}) };
  let a: Analysed;
  try {
    a = await analyseFile(file, opts.format);
  } catch (e) {
    if (deps.emitter)
      await deps.emitter.emitRun(checkEvents(ctx, { location: file }, { error: (e as Error).message }));
    throw e;
  }
  const datasetName = opts.dataset ?? contract.dataset;
  let version: DatasetVersion | null = null;
  if (deps.registry) {
    if (datasetName && opts.store !== false)
      version = (await deps.registry.register({ name: datasetName, file }, deps.actor, a)).version;
    else version = (await deps.registry.findBySha(a.read.sha256))[0] ?? null;
  }
  let drift: DriftReport | undefined;
  if (contract.drift) {
    const reference = await loadSide(contract.drift.reference, deps);
    drift = runDrift(reference.drift, a.drift, {
      method: contract.drift.method,
      ...(contract.drift.threshold !== undefined ? { threshold: contract.drift.threshold } : {}),
      ...(contract.drift.columns ? { columns: contract.drift.columns } : {}),
    });
  }
  const report = runChecks(a.table, contract, { now: (deps.now ?? Date.now)(), ...(drift ? { drift } : {}) });
  let storedId: string | null = null;
  if (deps.results && opts.store !== false)
    storedId = await deps.results.recordCheck(
      { datasetVersionId: version?.id ?? null, fileSha256: a.read.sha256, report },
      deps.actor,
    );
  if (deps.emitter) await deps.emitter.emitRun(checkEvents(ctx, refOf(a, file, version), { report }));
  return { report, version, storedId };
}
