import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { openDatabase } from '../store/db.js';
import { summarizeUsage } from '../store/usage.js';
import type { Io } from './main.js';
import { formatTable } from './table.js';

const HELP = `Usage: keel usage [--config keel.yaml] [--since 24h|7d|ISO date] [--by model,use_case,provider] [--json]

Requests, errors, tokens and cost from the usage store. Calls to models with no known price are
counted as "unpriced" and excluded from cost, never shown as $0.
`;

/** "24h", "7d", "30m" or an ISO date → epoch ms. */
export function parseSince(v: string, now = Date.now()): number {
  const m = /^(\d+)\s*([smhd])$/.exec(v.trim());
  if (m) {
    const unit = { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[m[2] as 's' | 'm' | 'h' | 'd'];
    return now - Number(m[1]) * unit;
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new Error(`--since: expected e.g. 24h, 7d or an ISO date, got "${v}"`);
  return t;
}

export async function runUsage(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      since: { type: 'string' },
      by: { type: 'string', default: 'model,use_case' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const groupBy = (values.by ?? '').split(',').map((s) => s.trim());
  for (const g of groupBy)
    if (g !== 'model' && g !== 'use_case' && g !== 'provider') {
      io.err(`keel usage: --by accepts model, use_case, provider (got "${g}")\n`);
      return 2;
    }
  let from: number | undefined;
  try {
    from = values.since ? parseSince(values.since) : undefined;
  } catch (e) {
    io.err(`keel usage: ${(e as Error).message}\n`);
    return 2;
  }
  const { config } = loadConfig({ path: values.config, env: io.env });
  const database = await openDatabase(config.database.url);
  try {
    const rows = await summarizeUsage(database, {
      ...(from !== undefined ? { from } : {}),
      groupBy: groupBy as ('model' | 'use_case' | 'provider')[],
    });
    if (values.json) {
      io.out(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    const total = rows.reduce(
      (a, r) => ({
        requests: a.requests + r.requests,
        cost: a.cost + r.cost_usd,
        unpriced: a.unpriced + r.unpriced,
      }),
      { requests: 0, cost: 0, unpriced: 0 },
    );
    io.out(
      formatTable(rows, [
        ...(groupBy as ('model' | 'use_case' | 'provider')[]),
        'requests',
        'errors',
        'input_tokens',
        'cached_input_tokens',
        'output_tokens',
        'cost_usd',
        'unpriced',
      ]),
    );
    io.out(
      `\n${total.requests} requests, $${total.cost.toFixed(6)} priced, ${total.unpriced} unpriced calls\n`,
    );
    return 0;
  } finally {
    await database.close();
  }
}
