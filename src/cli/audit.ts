import { parseArgs } from 'node:util';
import { createAuditLog } from '../audit/log.js';
import { queryAudit } from '../audit/query.js';
import { type AuditProblem, verifyAudit } from '../audit/verify.js';
import { loadConfig } from '../config/load.js';
import type { KeelConfig } from '../config/schema.js';
import { type Database, openDatabase } from '../store/db.js';
import type { Io } from './main.js';
import { formatTable } from './table.js';

const HELP = `Usage: keel audit <command> [--config keel.yaml]

Commands:
  verify [--checkpoints FILE] [--json]
        Re-walk the hash chain and check every checkpoint (database, and the checkpoint file:
        --checkpoints, else audit.checkpoint_file). Exits 0 when intact, 1 naming the first entry
        that was altered, deleted, reordered or inserted.
  list [--limit N] [--action X] [--actor X] [--target X] [--before SEQ] [--json]
        Entries, newest first. --action accepts a prefix ending in .* (key.*).
  checkpoint
        Write a (signed) checkpoint of the chain head now, to the database and the checkpoint file.
`;

const CHAIN_KINDS = new Set(['altered', 'deleted', 'reordered', 'inserted']);
const MORE_PROBLEMS_SHOWN = 10;

export async function runAudit(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '-h' || sub === '--help' || sub === 'help') {
    io.out(HELP);
    return 0;
  }
  switch (sub) {
    case 'verify':
      return verify(rest, io);
    case 'list':
      return list(rest, io);
    case 'checkpoint':
      return checkpoint(rest, io);
    default:
      io.err(`keel audit: unknown command "${sub.slice(0, 40)}"\n\n${HELP}`);
      return 2;
  }
}

async function withStore<T>(
  configPath: string | undefined,
  io: Io,
  fn: (config: KeelConfig, database: Database) => Promise<T>,
): Promise<T> {
  const { config } = loadConfig({ path: configPath, env: io.env });
  const database = await openDatabase(config.database.url);
  try {
    return await fn(config, database);
  } finally {
    await database.close();
  }
}

/** "audit chain broken at entry 4812: altered (hash mismatch)" */
function describeProblem(p: AuditProblem): string {
  const where = p.seq === null ? '' : ` at entry ${p.seq}`;
  const what = CHAIN_KINDS.has(p.kind)
    ? 'audit chain broken'
    : p.kind === 'truncated'
      ? 'audit log truncated'
      : 'audit checkpoint invalid';
  return `${what}${where}: ${p.kind} (${p.message})`;
}

async function verify(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      checkpoints: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  return withStore(values.config, io, async (config, database) => {
    const checkpointFile = values.checkpoints ?? config.audit.checkpoint_file;
    const r = await verifyAudit(database, {
      ...(config.audit.signing_key ? { signingKey: config.audit.signing_key } : {}),
      ...(checkpointFile ? { checkpointFile } : {}),
    });
    if (values.json) {
      io.out(`${JSON.stringify(r, null, 2)}\n`);
      return r.ok ? 0 : 1;
    }
    for (const w of r.warnings) io.err(`warning: ${w}\n`);
    const [firstProblem, ...others] = r.problems;
    if (!firstProblem) {
      if (!r.ok) {
        io.err('audit verification failed\n');
        return 1;
      }
      io.out(
        `audit log intact: ${r.entries} entries, ${r.checkpoints} checkpoint${r.checkpoints === 1 ? '' : 's'} verified` +
          `${r.head ? `, head ${r.head.seq} ${r.head.hash.slice(0, 16)}…` : ''}\n`,
      );
      return 0;
    }
    io.err(`${describeProblem(firstProblem)}\n`);
    for (const p of others.slice(0, MORE_PROBLEMS_SHOWN)) io.err(`  also: ${describeProblem(p)}\n`);
    if (others.length > MORE_PROBLEMS_SHOWN)
      io.err(`  … ${others.length - MORE_PROBLEMS_SHOWN} more (use --json)\n`);
    return 1;
  });
}

function positiveInt(name: string, v: string | undefined, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > max)
    throw new UsageError(`--${name} must be an integer from 1 to ${max}`);
  return n;
}

class UsageError extends Error {}

async function list(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      limit: { type: 'string' },
      action: { type: 'string' },
      actor: { type: 'string' },
      target: { type: 'string' },
      before: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  let limit: number | undefined;
  let before: number | undefined;
  try {
    limit = positiveInt('limit', values.limit, 500);
    before = positiveInt('before', values.before, Number.MAX_SAFE_INTEGER);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`keel audit list: ${e.message}\n`);
    return 2;
  }
  return withStore(values.config, io, async (_config, database) => {
    const page = await queryAudit(database, {
      ...(limit !== undefined ? { limit } : { limit: 20 }),
      ...(before !== undefined ? { before_seq: before } : {}),
      ...(values.action ? { action: values.action } : {}),
      ...(values.actor ? { actor: values.actor } : {}),
      ...(values.target ? { target: values.target } : {}),
    });
    if (values.json) {
      io.out(`${JSON.stringify(page, null, 2)}\n`);
      return 0;
    }
    const rows = page.entries.map((e) => ({
      seq: e.seq,
      time: new Date(e.ts).toISOString(),
      actor: e.actor,
      action: e.action,
      target: e.target ?? '',
      details: oneLine(JSON.stringify(e.details), 80),
    }));
    io.out(formatTable(rows, ['seq', 'time', 'actor', 'action', 'target', 'details']));
    if (page.next_cursor !== null) io.out(`\nmore: keel audit list --before ${page.next_cursor}\n`);
    return 0;
  });
}

function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

async function checkpoint(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  return withStore(values.config, io, async (config, database) => {
    const errors: unknown[] = [];
    const log = createAuditLog(database, {
      checkpointEvery: config.audit.checkpoint_every,
      ...(config.audit.signing_key ? { signingKey: config.audit.signing_key } : {}),
      ...(config.audit.checkpoint_file ? { checkpointFile: config.audit.checkpoint_file } : {}),
      onError: (e) => errors.push(e),
    });
    try {
      const cp = await log.checkpoint();
      const head = await log.head();
      if (!head) io.out('audit log is empty: nothing to checkpoint\n');
      else if (!cp) io.out(`entry ${head.seq} is already checkpointed\n`);
      else
        io.out(
          `checkpoint at entry ${cp.seq} (head ${cp.headHash.slice(0, 16)}…), ${cp.signature ? `signed ${cp.alg}` : 'unsigned: no audit.signing_key configured'}` +
            `${config.audit.checkpoint_file ? `, appended to ${config.audit.checkpoint_file}` : ''}\n`,
        );
    } finally {
      await log.close();
    }
    return 0;
  });
}
