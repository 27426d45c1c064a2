import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { migrateToLatest, openDatabase, pendingMigrations } from '../store/db.js';
import type { Io } from './main.js';

const HELP = `Usage: keel migrate [--config keel.yaml] [--status]

Applies the database migrations this Keel has and the store has not, and lists them.
  --status   only list the pending migrations; change nothing

With database.migrate: off in keel.yaml, \`keel start\` does not migrate and refuses to start while
migrations are pending: run this first (e.g. as a deploy step). On PostgreSQL concurrent runs are
safe: one applies, the others wait for it and find nothing left to do.
`;

export async function runMigrate(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      status: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const { config } = loadConfig({ path: values.config, env: io.env });
  const database = await openDatabase(config.database.url, { migrate: false });
  try {
    if (values.status) {
      const pending = await pendingMigrations(database);
      io.out(
        pending.length === 0
          ? 'No pending migrations: the database is up to date.\n'
          : `${pending.length} pending migration(s):\n${pending.map((m) => `  ${m}\n`).join('')}`,
      );
      return 0;
    }
    const applied = await migrateToLatest(database);
    io.out(
      applied.length === 0
        ? 'No pending migrations: the database is up to date.\n'
        : `Applied ${applied.length} migration(s):\n${applied.map((m) => `  ${m}\n`).join('')}`,
    );
    return 0;
  } catch (e) {
    io.err(`keel migrate: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    await database.close();
  }
}
