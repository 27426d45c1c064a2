import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { DatasetProfile } from '../datasets/profile.js';
import type { DriftReport } from '../drift/run.js';
import type { CheckReport } from '../quality/check.js';

/**
 * OpenLineage RunEvents (spec 2-0-2) for Keel's data jobs: a START and a COMPLETE (or FAIL) per
 * data check and per drift run. Input datasets carry the `schema`, `dataSource`, `version`,
 * `ownership` and `documentation` dataset facets and the `dataQualityMetrics` and
 * `dataQualityAssertions` input facets; the job carries `jobType`. A check whose rules fail is a
 * COMPLETE run whose assertions say so (the run itself worked); FAIL means the job could not run.
 */

const PRODUCER = 'https://github.com/keel-ai/keel/tree/main/src/data/lineage';
const SPEC = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const FACET = {
  schema: 'https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
  dataSource:
    'https://openlineage.io/spec/facets/1-0-1/DatasourceDatasetFacet.json#/$defs/DatasourceDatasetFacet',
  version:
    'https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet',
  ownership:
    'https://openlineage.io/spec/facets/1-0-1/OwnershipDatasetFacet.json#/$defs/OwnershipDatasetFacet',
  documentation:
    'https://openlineage.io/spec/facets/1-1-0/DocumentationDatasetFacet.json#/$defs/DocumentationDatasetFacet',
  dataQualityMetrics:
    'https://openlineage.io/spec/facets/1-0-3/DataQualityMetricsInputDatasetFacet.json#/$defs/DataQualityMetricsInputDatasetFacet',
  dataQualityAssertions:
    'https://openlineage.io/spec/facets/1-1-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet',
  jobType: 'https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet',
  errorMessage:
    'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
} as const;

type RunState = 'START' | 'COMPLETE' | 'FAIL';

interface OLDataset {
  namespace: string;
  name: string;
  facets?: Record<string, object>;
  inputFacets?: Record<string, object>;
}

export interface OLRunEvent {
  eventType: RunState;
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets?: Record<string, object> };
  job: { namespace: string; name: string; facets?: Record<string, object> };
  inputs: OLDataset[];
  outputs: OLDataset[];
}

/** What Keel knows about a dataset taking part in a run. */
export interface DatasetRef {
  /** File path or URI the data was read from. */
  location: string;
  /** Registered name, when the file is a registered dataset version. */
  registeredName?: string;
  sha256?: string;
  version?: number;
  owner?: string | null;
  description?: string | null;
  profile?: DatasetProfile;
  bytes?: number;
}

const facet = (kind: keyof typeof FACET, body: object): object => ({
  _producer: PRODUCER,
  _schemaURL: FACET[kind],
  ...body,
});

const OL_TYPES: Record<string, string> = {
  int: 'BIGINT',
  float: 'DOUBLE',
  bool: 'BOOLEAN',
  string: 'STRING',
  empty: 'NULL',
};

function toUri(location: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(location) ? location : pathToFileURL(location).href;
}

/** The dataset as OpenLineage names it: registered datasets under `keel`, files under `file`. */
function olDataset(ref: DatasetRef, namespace: string): OLDataset {
  const uri = toUri(ref.location);
  const facets: Record<string, object> = {
    dataSource: facet('dataSource', {
      name: ref.registeredName ? `keel:${ref.registeredName}` : 'file',
      uri,
    }),
  };
  if (ref.profile)
    facets.schema = facet('schema', {
      fields: ref.profile.columns.map((c, i) => ({
        name: c.name,
        type: OL_TYPES[c.kind] ?? 'STRING',
        ordinal_position: i + 1,
      })),
    });
  if (ref.sha256)
    facets.version = facet('version', {
      datasetVersion: ref.version ? `${ref.version}:${ref.sha256}` : ref.sha256,
    });
  if (ref.owner) facets.ownership = facet('ownership', { owners: [{ name: ref.owner }] });
  if (ref.description) facets.documentation = facet('documentation', { description: ref.description });
  return ref.registeredName
    ? { namespace, name: `datasets/${ref.registeredName}`, facets }
    : { namespace: 'file', name: new URL(uri).pathname || ref.location, facets };
}

/** dataQualityMetrics from a version profile. */
function qualityMetrics(profile: DatasetProfile, bytes?: number): object {
  const columnMetrics: Record<string, object> = {};
  for (const c of profile.columns) {
    const m: Record<string, unknown> = {
      nullCount: c.nulls,
      distinctCount: c.distinct,
      count: c.rows - c.nulls,
    };
    if (c.numeric) {
      const finite = (x: number) => Number.isFinite(x);
      if (finite(c.numeric.sum)) m.sum = c.numeric.sum;
      if (finite(c.numeric.min)) m.min = c.numeric.min;
      if (finite(c.numeric.max)) m.max = c.numeric.max;
      m.quantiles = Object.fromEntries(Object.entries(c.numeric.quantiles).filter(([, v]) => finite(v)));
    }
    columnMetrics[c.name] = m;
  }
  return facet('dataQualityMetrics', {
    rowCount: profile.rows,
    ...(bytes !== undefined ? { bytes, fileCount: 1 } : {}),
    columnMetrics,
  });
}

interface RunContext {
  runId?: string;
  namespace: string;
  now?: () => number;
}

function base(
  state: RunState,
  ctx: Required<Pick<RunContext, 'runId'>> & RunContext,
  job: string,
  jobType: string,
) {
  return {
    eventType: state,
    eventTime: new Date((ctx.now ?? Date.now)()).toISOString(),
    producer: PRODUCER,
    schemaURL: SPEC,
    run: { runId: ctx.runId },
    job: {
      namespace: ctx.namespace,
      name: job,
      facets: { jobType: facet('jobType', { processingType: 'BATCH', integration: 'KEEL', jobType }) },
    },
  };
}

/** Safe job-name segment: OpenLineage names are free text, but keep them path-like. */
const seg = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 100);

export function checkEvents(
  ctx: RunContext,
  input: DatasetRef,
  result: { report: CheckReport } | { error: string },
): { start: OLRunEvent; end: OLRunEvent } {
  const c: RunContext & { runId: string } = { ...ctx, runId: ctx.runId ?? randomUUID() };
  const contract = 'report' in result ? result.report.contract : 'unknown';
  const job = `data.check.${seg(contract)}`;
  const ds = olDataset(input, ctx.namespace);
  const start: OLRunEvent = { ...base('START', c, job, 'DATA_CHECK'), inputs: [ds], outputs: [] };
  if ('error' in result) {
    const end: OLRunEvent = {
      ...base('FAIL', c, job, 'DATA_CHECK'),
      run: {
        runId: c.runId,
        facets: {
          errorMessage: facet('errorMessage', {
            message: result.error.slice(0, 2000),
            programmingLanguage: 'TYPESCRIPT',
          }),
        },
      },
      inputs: [ds],
      outputs: [],
    };
    return { start, end };
  }
  const inputFacets: Record<string, object> = {
    dataQualityAssertions: facet('dataQualityAssertions', {
      assertions: result.report.results.map((r) => ({
        assertion: r.rule,
        success: r.passed,
        ...(r.column !== undefined ? { column: r.column } : {}),
        severity: 'error',
        ...(r.expected !== undefined ? { expected: r.expected } : {}),
        actual: r.actual ?? String(r.failed_count),
        params: { failed_count: r.failed_count, checked: r.checked },
      })),
    }),
  };
  if (input.profile) inputFacets.dataQualityMetrics = qualityMetrics(input.profile, input.bytes);
  const end: OLRunEvent = {
    ...base('COMPLETE', c, job, 'DATA_CHECK'),
    inputs: [{ ...ds, inputFacets }],
    outputs: [],
  };
  return { start, end };
}

export function driftEvents(
  ctx: RunContext,
  reference: DatasetRef,
  current: DatasetRef,
  result: { report: DriftReport } | { error: string },
): { start: OLRunEvent; end: OLRunEvent } {
  const c: RunContext & { runId: string } = { ...ctx, runId: ctx.runId ?? randomUUID() };
  const job = `data.drift.${seg(current.registeredName ?? 'file')}`;
  const ref = olDataset(reference, ctx.namespace);
  const cur = olDataset(current, ctx.namespace);
  const start: OLRunEvent = { ...base('START', c, job, 'DATA_DRIFT'), inputs: [ref, cur], outputs: [] };
  if ('error' in result) {
    return {
      start,
      end: {
        ...base('FAIL', c, job, 'DATA_DRIFT'),
        run: {
          runId: c.runId,
          facets: {
            errorMessage: facet('errorMessage', {
              message: result.error.slice(0, 2000),
              programmingLanguage: 'TYPESCRIPT',
            }),
          },
        },
        inputs: [ref, cur],
        outputs: [],
      },
    };
  }
  const r = result.report;
  const assertions: Record<string, unknown>[] = r.columns.map((col) => ({
    assertion: 'drift',
    name: `${col.method}_drift`,
    success: !col.drifted,
    column: col.column,
    severity: 'warn',
    expected: col.p_value === null ? `< ${col.threshold}` : `p > ${col.threshold}`,
    actual: String(col.p_value ?? col.statistic),
    params: { method: col.method, statistic: col.statistic, p_value: col.p_value, threshold: col.threshold },
  }));
  assertions.push({
    assertion: 'dataset_drift',
    name: 'dataset_drift',
    success: !r.dataset.dataset_drift,
    severity: 'error',
    expected: `drifted share < ${r.dataset.drift_share}`,
    actual: String(r.dataset.share),
    params: { drifted_columns: r.dataset.drifted_columns, columns: r.dataset.columns },
  });
  const inputFacets: Record<string, object> = {
    dataQualityAssertions: facet('dataQualityAssertions', { assertions }),
  };
  if (current.profile) inputFacets.dataQualityMetrics = qualityMetrics(current.profile, current.bytes);
  const end: OLRunEvent = {
    ...base('COMPLETE', c, job, 'DATA_DRIFT'),
    inputs: [ref, { ...cur, inputFacets }],
    outputs: [],
  };
  return { start, end };
}
