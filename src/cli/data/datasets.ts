import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { DatasetRegistry, DeclaredSchema } from '../../data/datasets/registry.js';
import type { ResultStore } from '../../data/datasets/results.js';
import type { Io } from '../main.js';
import { formatTable } from '../table.js';
import { COMMON, ctxOf, services } from './context.js';

/** `keel data register | list | show`: the dataset registry. */
export async function register(argv: string[], io: Io): Promise<number> {
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

export async function list(argv: string[], io: Io): Promise<number> {
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

export async function show(argv: string[], io: Io): Promise<number> {
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
