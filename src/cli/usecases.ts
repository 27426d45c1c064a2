import { parseArgs } from 'node:util';
import { type AuditLogWriter, createAuditLog } from '../audit/log.js';
import { loadConfig } from '../config/load.js';
import type { KeelConfig } from '../config/schema.js';
import { isKeelError } from '../errors.js';
import { type Database, openDatabase } from '../store/db.js';
import {
  parseCreate,
  parsePatch,
  publicUseCase,
  USE_CASE_FIELDS,
  type UseCase,
} from '../value/usecases/model.js';
import { createUseCaseRegistry, type UseCaseRegistry } from '../value/usecases/registry.js';
import type { Io } from './main.js';
import { formatTable } from './table.js';

const HELP = `Usage: keel usecases <create|list|update> [options]

  keel usecases list [--stage pilot|production|paused|retired] [--json]
  keel usecases create <id> [fields]
  keel usecases update <id> [fields] [--reason "why"] [--clear field,field]

Fields (same names as keel.yaml use_cases and the admin API, with dashes):
  --name --description --owner --team --stage --business-metric --value-per-outcome-usd
  --human-baseline-cost-usd --investment-usd --monthly-budget-usd --target-roi --guard-policy
  --tags a,b,c

Fields a use case declares in keel.yaml belong to the file and cannot be changed here.
Changes are written to the audit log as actor "cli".
`;

const NUMERIC = new Set([
  'value_per_outcome_usd',
  'human_baseline_cost_usd',
  'investment_usd',
  'monthly_budget_usd',
  'target_roi',
]);

const FIELD_OPTIONS = Object.fromEntries(
  USE_CASE_FIELDS.map((f) => [f.replaceAll('_', '-'), { type: 'string' as const }]),
);

/** `keel usecases …`: the registry straight from the store, as an operator at the console. */
export async function runUseCases(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '-h' || sub === '--help' || sub === 'help') {
    io.out(HELP);
    return 0;
  }
  if (sub !== 'create' && sub !== 'list' && sub !== 'update') {
    io.err(`keel usecases: unknown subcommand "${sub}"\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      json: { type: 'boolean' },
      reason: { type: 'string' },
      clear: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...FIELD_OPTIONS,
    },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const { config } = loadConfig({ path: values.config, env: io.env });
  return withRegistry(config, async (registry) => {
    try {
      if (sub === 'list') {
        const stage = (values as Record<string, unknown>).stage as string | undefined;
        const list = await registry.list(stage ? { stage: parsePatch({ stage }).stage! } : {});
        if (values.json) io.out(`${JSON.stringify(list.map(publicUseCase), null, 2)}\n`);
        else
          io.out(
            formatTable(list.map(tableRow), [
              'id',
              'name',
              'stage',
              'team',
              'owner',
              'value_per_outcome',
              'monthly_budget',
              'target_roi',
              'from_config',
            ]),
          );
        return 0;
      }
      const id = positionals[0];
      if (!id) {
        io.err(`keel usecases ${sub}: the use case id is required\n`);
        return 2;
      }
      const fields = fieldsFrom(values as Record<string, unknown>);
      for (const f of String(values.clear ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean))
        fields[f] = null;
      const u =
        sub === 'create'
          ? await registry.create(id, parseCreate({ id, ...fields }).patch, 'cli')
          : await registry.update(id, parsePatch(fields), 'cli', {
              reason: (values.reason as string | undefined) ?? null,
            });
      io.out(
        values.json
          ? `${JSON.stringify(publicUseCase(u), null, 2)}\n`
          : `${sub === 'create' ? 'created' : 'updated'} ${u.id} (stage ${u.stage})\n`,
      );
      return 0;
    } catch (e) {
      if (!isKeelError(e)) throw e;
      io.err(`keel usecases ${sub}: ${e.message}\n`);
      return 2;
    }
  });
}

/** `--value-per-outcome-usd 2` → `{ value_per_outcome_usd: 2 }`; numbers and tag lists parsed. */
function fieldsFrom(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of USE_CASE_FIELDS) {
    const v = values[f.replaceAll('_', '-')];
    if (typeof v !== 'string') continue;
    if (NUMERIC.has(f)) out[f] = v.trim() === '' ? Number.NaN : Number(v);
    else if (f === 'tags')
      out[f] = v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else out[f] = v;
  }
  return out;
}

function tableRow(u: UseCase) {
  return {
    id: u.id,
    name: u.name,
    stage: u.stage,
    team: u.team ?? '',
    owner: u.owner ?? '',
    value_per_outcome: u.valuePerOutcomeUsd ?? '',
    monthly_budget: u.monthlyBudgetUsd ?? '',
    target_roi: u.targetRoi ?? '',
    from_config: u.configFields.join(','),
  };
}

/** The audit log with the same signing settings `keel start` uses, so CLI entries chain and checkpoint alike. */
export function openAudit(config: KeelConfig, database: Database): AuditLogWriter {
  return createAuditLog(database, {
    checkpointEvery: config.audit.checkpoint_every,
    ...(config.audit.signing_key ? { signingKey: config.audit.signing_key } : {}),
    ...(config.audit.checkpoint_file ? { checkpointFile: config.audit.checkpoint_file } : {}),
  });
}

/** The store and audit log the way `keel start` opens them; keel.yaml's use cases are synced first. */
async function withRegistry<T>(config: KeelConfig, fn: (r: UseCaseRegistry) => Promise<T>): Promise<T> {
  const database = await openDatabase(config.database.url);
  const audit = openAudit(config, database);
  try {
    const registry = createUseCaseRegistry(database, { audit });
    await registry.syncFromConfig(config.use_cases);
    return await fn(registry);
  } finally {
    await audit.close();
    await database.close();
  }
}
