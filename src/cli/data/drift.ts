import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { DriftMethod, DriftReport } from '../../data/drift/run.js';
import { STAT_TESTS } from '../../data/drift/stattests.js';
import { driftJob } from '../../data/jobs.js';
import type { Io } from '../main.js';
import { formatTable } from '../table.js';
import { COMMON, ctxOf, services } from './context.js';

/** `keel data drift REFERENCE CURRENT`: column-by-column drift between two datasets. */
export async function drift(argv: string[], io: Io): Promise<number> {
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
