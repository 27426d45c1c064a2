import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { isKeelError } from '../errors.js';
import { valueQuery } from '../http/admin/value.js';
import { openDatabase } from '../store/db.js';
import { formatReport, REPORT_FORMATS, type ReportFormat } from '../value/roi/format.js';
import { createValueService } from '../value/service.js';
import type { Io } from './main.js';
import { openAudit } from './usecases.js';

const HELP = `Usage: keel report [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--granularity day|week|month|total]
                   [--use-case a,b] [--format table|csv|json|html] [--out file] [--config keel.yaml]

Value per use case: requests, users, cost (and unpriced calls), outcomes, success rate, value, net
value, ROI, cost per successful outcome, savings against the human baseline, payback, feedback,
p50/p95 latency, error and blocked rates — and the total, which is the sum of the rows.

Ranges are whole UTC days; --to is exclusive (default: this month through today).
`;

/** `keel report`: the same report as GET /api/value, for the terminal, a spreadsheet or a browser. */
export async function runReport(argv: string[], io: Io, now: () => number = Date.now): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      granularity: { type: 'string' },
      'use-case': { type: 'string' },
      format: { type: 'string', default: 'table' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const format = values.format as ReportFormat;
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    io.err(`keel report: --format must be one of ${REPORT_FORMATS.join(', ')}\n`);
    return 2;
  }
  let q: ReturnType<typeof valueQuery>;
  try {
    q = valueQuery(
      {
        ...(values.from ? { from: values.from } : {}),
        ...(values.to ? { to: values.to } : {}),
        ...(values.granularity ? { granularity: values.granularity } : {}),
        ...(values['use-case'] ? { use_case: values['use-case'] } : {}),
      },
      now(),
    );
  } catch (e) {
    if (!isKeelError(e)) throw e;
    io.err(`keel report: ${e.message}\n`);
    return 2;
  }
  const { config } = loadConfig({ path: values.config, env: io.env });
  const database = await openDatabase(config.database.url);
  const audit = openAudit(config, database);
  try {
    const value = await createValueService({ config, database, audit, now });
    const text = formatReport(await value.report(q), format);
    await value.close();
    if (values.out) {
      await writeFile(values.out, text);
      io.out(`wrote ${values.out}\n`);
    } else io.out(text);
    return 0;
  } finally {
    await audit.close();
    await database.close();
  }
}
