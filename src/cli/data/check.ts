import { parseArgs } from 'node:util';
import { loadContract } from '../../data/contracts/schema.js';
import { checkJob } from '../../data/jobs.js';
import type { Io } from '../main.js';
import { COMMON, ctxOf, services } from './context.js';

/** `keel data check FILE --contract C`: validate a file against a data contract; exit 1 on failure. */
export async function check(argv: string[], io: Io): Promise<number> {
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
