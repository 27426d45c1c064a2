import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../config/load.js';
import { ContractError, loadContract } from '../data/contracts/schema.js';
import {
  createDatasetRegistry,
  type DatasetRegistry,
  type DeclaredSchema,
} from '../data/datasets/registry.js';
import { createResultStore, type ResultStore } from '../data/datasets/results.js';
import type { DriftMethod, DriftReport } from '../data/drift/run.js';
import { STAT_TESTS } from '../data/drift/stattests.js';
import { checkJob, DataJobError, driftJob, type JobDeps } from '../data/jobs.js';
import { createLineageEmitter } from '../data/lineage/emitter.js';
import { dataSettings } from '../data/settings.js';
import { type Database, openDatabase } from '../store/db.js';
import type { Io } from './main.js';
import { formatTable } from './table.js';

const HELP = `Usage: keel data <command> [options]

Commands:
  register NAME FILE   Register FILE (csv, tsv, jsonl) as a new version of dataset NAME
                       [--owner o] [--description d] [--schema schema.yaml] [--format csv]
  list                 Registered datasets and their latest versions
  show NAME[@VERSION]  A dataset, its versions, the version's column profile and recent results
  check FILE --contract CONTRACT.yaml
                       Validate FILE; exits 1 when any rule fails  [--dataset NAME] [--no-store]
  drift REFERENCE CURRENT
                       Compare two datasets (files or NAME[@VERSION]) column by column
                       [--columns a,b] [--method auto|${STAT_TESTS.join('|')}]
                       [--threshold x] [--drift-share 0.5] [--fail-on-drift] [--store]

Common options: --json, --config keel.yaml, --data-dir DIR, --lineage-endpoint URL
Drift defaults follow Evidently: see docs or src/data/drift/select.ts.
`;

interface Ctx {
  io: Io;
  json: boolean;
  configPath: string | undefined;
  dataDir: string | undefined;
  lineageEndpoint: string | undefined;
}

const COMMON = {
  json: { type: 'boolean' },
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  'lineage-endpoint': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runData(argv: string[], io: Io): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    io.out(HELP);
    return cmd ? 0 : 2;
  }
  try {
    switch (cmd) {
      case 'register':
        return await register(rest, io);
      case 'list':
        return await list(rest, io);
      case 'show':
        return await show(rest, io);
      case 'check':
        return await check(rest, io);
      case 'drift':
        return await drift(rest, io);
      default:
        io.err(`keel data: unknown command "${cmd}"\n\n${HELP}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof DataJobError || e instanceof ContractError) {
      io.err(`keel data ${cmd}: ${e.message}\n`);
      return 2;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      io.err(`keel data ${cmd}: ${(e as Error).message}\n`);
      return 2;
    }
    if (e instanceof Error && e.name === 'CsvError') {
      io.err(`keel data ${cmd}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** Open what a command needs; the store only when asked (drift of two files needs none). */
async function services(ctx: Ctx, needStore: boolean) {
  const { config } = loadConfig({ path: ctx.configPath, env: ctx.io.env });
  const settings = dataSettings(config, {
    ...ctx.io.env,
    ...(ctx.dataDir ? { KEEL_DATA_DIR: ctx.dataDir } : {}),
  });
  const endpoint = ctx.lineageEndpoint ?? settings.lineage.endpoint;
  let database: Database | null = null;
  let registry: DatasetRegistry | null = null;
  let results: ResultStore | null = null;
  if (needStore) {
    database = await openDatabase(config.database.url);
    registry = createDatasetRegistry(database, { dataDir: settings.dataDir });
    results = createResultStore(database);
  }
  const emitter = endpoint
    ? createLineageEmitter({
        endpoint,
        ...(settings.lineage.apiKey ? { apiKey: settings.lineage.apiKey } : {}),
        retries: settings.lineage.retries,
        timeoutMs: settings.lineage.timeoutMs,
        onError: (m) => ctx.io.err(`keel data: ${m}\n`),
      })
    : null;
  const deps: JobDeps = { registry, results, emitter, namespace: settings.lineage.namespace, actor: 'cli' };
  return { deps, registry, results, close: async () => database?.close() };
}

function ctxOf(
  io: Io,
  values: { json?: boolean; config?: string; 'data-dir'?: string; 'lineage-endpoint'?: string },
): Ctx {
  return {
    io,
    json: values.json ?? false,
    configPath: values.config,
    dataDir: values['data-dir'],
    lineageEndpoint: values['lineage-endpoint'],
  };
}

async function register(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...COMMON,
      owner: { type: 'string' },
      description: { type: 'string' },
      schema: { type: 'string' },
      format: { type: 'string' },
    },
  });
  if (values.help || positionals.length !== 2) {
    io.out(
      'Usage: keel data register NAME FILE [--owner o] [--description d] [--schema schema.yaml] [--format csv] [--json]\n',
    );
    return values.help ? 0 : 2;
  }
  const [name, file] = positionals as [string, string];
  let schema: DeclaredSchema | undefined;
  if (values.schema) schema = parseYaml(await readFile(values.schema, 'utf8')) as DeclaredSchema;
  const ctx = ctxOf(io, values);
  const s = await services(ctx, true);
  try {
    const r = await (s.registry as DatasetRegistry).register(
      {
        name,
        file,
        ...(values.owner ? { owner: values.owner } : {}),
        ...(values.description ? { description: values.description } : {}),
        ...(schema ? { schema } : {}),
        ...(values.format ? { format: values.format } : {}),
      },
      'cli',
    );
    if (ctx.json)
      io.out(`${JSON.stringify({ dataset: r.dataset, version: r.version, created: r.created }, null, 2)}\n`);
    else
      io.out(
        `${r.created ? 'registered' : 'unchanged:'} ${r.dataset.name}@${r.version.version}  ${r.version.rows} rows × ${r.version.columns.length} columns  sha256:${r.version.sha256.slice(0, 12)}\n`,
      );
    return 0;
  } finally {
    await s.close();
  }
}

async function list(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args: argv, options: COMMON });
  const ctx = ctxOf(io, values);
  const s = await services(ctx, true);
  try {
    const all = await (s.registry as DatasetRegistry).list();
    if (ctx.json) {
      io.out(`${JSON.stringify(all, null, 2)}\n`);
      return 0;
    }
    io.out(
      formatTable(
        all.map((d) => ({
          name: d.name,
          owner: d.owner ?? '',
          versions: d.versions,
          latest: d.latest ? `@${d.latest.version}` : '',
          rows: d.latest?.rows ?? 0,
          sha256: d.latest?.sha256.slice(0, 12) ?? '',
          updated: new Date(d.updatedAt).toISOString(),
        })),
        ['name', 'owner', 'versions', 'latest', 'rows', 'sha256', 'updated'],
      ),
    );
    return 0;
  } finally {
    await s.close();
  }
}

async function show(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: COMMON });
  if (positionals.length !== 1) {
    io.out('Usage: keel data show NAME[@VERSION] [--json]\n');
    return 2;
  }
  const ctx = ctxOf(io, values);
  const s = await services(ctx, true);
  try {
    const reg = s.registry as DatasetRegistry;
    const v = await reg.resolve(positionals[0] as string);
    if (!v) {
      io.err(`keel data show: no dataset version "${positionals[0]}"\n`);
      return 1;
    }
    const dataset = await reg.get(v.datasetName);
    const versions = (await reg.versions(v.datasetId)).map(({ profile: _p, ...rest }) => rest);
    const checks = await (s.results as ResultStore).checks(v.id, 10);
    const drifts = await (s.results as ResultStore).drifts(v.id, 10);
    if (ctx.json) {
      io.out(`${JSON.stringify({ dataset, version: v, versions, checks, drifts }, null, 2)}\n`);
      return 0;
    }
    io.out(`${v.datasetName}@${v.version}  ${v.rows} rows  sha256:${v.sha256}\n`);
    if (dataset?.owner) io.out(`owner: ${dataset.owner}\n`);
    if (dataset?.description) io.out(`${dataset.description}\n`);
    io.out(`source: ${v.source ?? ''}\nversions: ${versions.map((x) => `@${x.version}`).join(' ')}\n\n`);
    io.out(
      formatTable(
        v.profile.columns.map((c) => ({
          column: c.name,
          kind: c.kind,
          nulls: c.nulls,
          distinct: c.distinct,
          min: c.numeric?.min ?? null,
          median: c.numeric?.quantiles['0.5'] ?? null,
          max: c.numeric?.max ?? null,
          top:
            c.top
              ?.slice(0, 3)
              .map((t) => `${t.value}(${t.count})`)
              .join(' ') ?? '',
        })),
        ['column', 'kind', 'nulls', 'distinct', 'min', 'median', 'max', 'top'],
      ),
    );
    for (const c of checks.slice(0, 5))
      io.out(
        `check ${c.contract}: ${c.passed ? 'passed' : `FAILED (${c.failedRules} rules)`}  ${new Date(c.createdAt).toISOString()}\n`,
      );
    for (const d of drifts.slice(0, 5))
      io.out(
        `drift: ${d.datasetDrift ? 'DRIFT' : 'no drift'} (${d.driftedColumns} columns, share ${d.share.toFixed(2)})  ${new Date(d.createdAt).toISOString()}\n`,
      );
    return 0;
  } finally {
    await s.close();
  }
}

async function check(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...COMMON,
      contract: { type: 'string' },
      dataset: { type: 'string' },
      'no-store': { type: 'boolean' },
      format: { type: 'string' },
    },
  });
  if (values.help || positionals.length !== 1 || !values.contract) {
    io.out('Usage: keel data check FILE --contract CONTRACT.yaml [--dataset NAME] [--no-store] [--json]\n');
    return values.help ? 0 : 2;
  }
  const contract = await loadContract(values.contract);
  const ctx = ctxOf(io, values);
  const store = !values['no-store'];
  const needStore = store || !!contract.drift;
  const s = await services(ctx, needStore);
  try {
    const r = await checkJob(
      positionals[0] as string,
      contract,
      {
        store,
        ...(values.dataset ? { dataset: values.dataset } : {}),
        ...(values.format ? { format: values.format } : {}),
      },
      s.deps,
    );
    if (ctx.json)
      io.out(
        `${JSON.stringify({ ...r.report, dataset_version: r.version ? `${r.version.datasetName}@${r.version.version}` : null }, null, 2)}\n`,
      );
    else {
      const failed = r.report.results.filter((x) => !x.passed);
      io.out(
        `${r.report.passed ? 'PASS' : 'FAIL'} ${r.report.contract}: ${r.report.rows} rows, ${r.report.results.length} rules, ${failed.length} failed\n`,
      );
      for (const f of failed) {
        io.out(`  ✗ ${f.rule}${f.column ? ` [${f.column}]` : ''}: ${f.failed_count} of ${f.checked}`);
        if (f.expected) io.out(` (expected ${f.expected}${f.actual ? `, got ${f.actual}` : ''})`);
        io.out('\n');
        for (const o of f.sample ?? []) io.out(`      row ${o.row}: ${JSON.stringify(o.value)}\n`);
      }
      if (r.version) io.out(`stored against ${r.version.datasetName}@${r.version.version}\n`);
    }
    return r.report.passed ? 0 : 1;
  } finally {
    await s.close();
  }
}

async function drift(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...COMMON,
      columns: { type: 'string' },
      method: { type: 'string', default: 'auto' },
      threshold: { type: 'string' },
      'drift-share': { type: 'string' },
      'fail-on-drift': { type: 'boolean' },
      store: { type: 'boolean' },
    },
  });
  if (values.help || positionals.length !== 2) {
    io.out(
      `Usage: keel data drift REFERENCE CURRENT [--json] [--columns a,b] [--method auto|${STAT_TESTS.join('|')}] [--threshold x]\n`,
    );
    return values.help ? 0 : 2;
  }
  const method = values.method as DriftMethod;
  if (method !== 'auto' && !STAT_TESTS.includes(method)) {
    io.err(`keel data drift: --method must be auto or one of ${STAT_TESTS.join(', ')}\n`);
    return 2;
  }
  const threshold = values.threshold !== undefined ? Number(values.threshold) : undefined;
  if (threshold !== undefined && !(threshold > 0)) {
    io.err('keel data drift: --threshold must be a positive number\n');
    return 2;
  }
  const share = values['drift-share'] !== undefined ? Number(values['drift-share']) : undefined;
  if (share !== undefined && !(share >= 0 && share <= 1)) {
    io.err('keel data drift: --drift-share must be between 0 and 1\n');
    return 2;
  }
  const [refArg, curArg] = positionals as [string, string];
  // The store is opened only for registered references or when results are to be stored.
  const needStore = !!values.store || !existsSync(refArg) || !existsSync(curArg);
  const ctx = ctxOf(io, values);
  const s = await services(ctx, needStore);
  try {
    const r = await driftJob(
      refArg,
      curArg,
      {
        method,
        store: !!values.store,
        ...(values.columns
          ? {
              columns: values.columns
                .split(',')
                .map((c) => c.trim())
                .filter(Boolean),
            }
          : {}),
        ...(threshold !== undefined ? { threshold } : {}),
        ...(share !== undefined ? { driftShare: share } : {}),
      },
      s.deps,
    );
    if (ctx.json) io.out(`${JSON.stringify(r.report, null, 2)}\n`);
    else io.out(formatDrift(r.report));
    return values['fail-on-drift'] && r.report.dataset.dataset_drift ? 1 : 0;
  } finally {
    await s.close();
  }
}

function formatDrift(report: DriftReport): string {
  const rows = report.columns.map((c) => ({
    column: c.column,
    type: c.type,
    method: c.method,
    statistic: c.statistic,
    p_value: c.p_value,
    threshold: c.threshold,
    drifted: c.drifted ? 'DRIFT' : '',
    notes: [
      ...(c.flags ?? []),
      ...(c.new_categories?.length ? [`new categories: ${c.new_categories.slice(0, 5).join(', ')}`] : []),
    ].join('; '),
  }));
  const d = report.dataset;
  let out = formatTable(rows, [
    'column',
    'type',
    'method',
    'statistic',
    'p_value',
    'threshold',
    'drifted',
    'notes',
  ]);
  for (const s of report.skipped ?? []) out += `skipped ${s.column}: ${s.error}\n`;
  out += `\n${d.drifted_columns} of ${d.columns} columns drifted (share ${d.share.toFixed(3)}, threshold ${d.drift_share}): ${
    d.dataset_drift ? 'DATASET DRIFT' : 'no dataset drift'
  }\n`;
  return out;
}
