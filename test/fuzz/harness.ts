import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { pino } from 'pino';
import type { KeelApp } from '../../src/app.types.js';
import { buildKeel } from '../../src/build.js';
import { parseConfig } from '../../src/config/load.js';
import { type FakeUpstream, startFakeAnthropic, startFakeOpenAI } from '../fakes/index.js';
import { CLIENT_KEY, standardConfig } from '../helpers/fixtures.js';
import { TEST_ENV } from '../helpers/keel.js';

export const ADMIN_TOKEN = 'fuzz-admin-token-0123456789abcdef';
export { CLIENT_KEY };

/**
 * Tables that hold what an operator configures or a caller records (keys, admins, use cases,
 * datasets, prompts, lineage, outcomes). A refused call must leave every one of them as it was.
 * Append-only logs (usage, audit, security events) and background monitor state are left out:
 * refusals are rightly recorded there.
 */
const STATE_TABLES = [
  'admin_users',
  'key_secrets',
  'virtual_keys',
  'use_cases',
  'use_case_stages',
  'alerts',
  'outcomes',
  'feedback',
  'data_datasets',
  'data_dataset_versions',
  'data_check_results',
  'data_drift_runs',
  'data_lineage_edges',
  'data_prompt_templates',
  'data_prompt_versions',
  'monitor_references',
  'responses',
] as const;

export interface FuzzKeel {
  app: KeelApp;
  openai: FakeUpstream;
  anthropic: FakeUpstream;
  /** Every mounted /v1 and /api route, read from the app itself. */
  routes: readonly { method: string; path: string }[];
  /** A stable text of every state table, to compare before and after a refused call. */
  snapshot(): Promise<string>;
  close(): Promise<void>;
}

/**
 * A full Keel (buildKeel: every route group, the guards, the value and data services) on a
 * temporary SQLite file, called in-process through `app.request()`, in front of fake OpenAI and
 * Anthropic upstreams that answer every call. Client auth is on (one config key) and the admin API
 * has a bootstrap token, so generated calls get past authentication into the handlers.
 */
export async function startFuzzKeel(): Promise<FuzzKeel> {
  const openai = await startFakeOpenAI({ apiKey: TEST_ENV.OAI_KEY });
  const anthropic = await startFakeAnthropic({ apiKey: TEST_ENV.ANT_KEY });
  const dir = mkdtempSync(path.join(tmpdir(), 'keel-fuzz-'));
  const base = standardConfig({ openai, anthropic });
  const config = parseConfig(
    {
      ...base,
      database: { url: `sqlite:${path.join(dir, 'keel.db')}` },
      logging: { level: 'silent' },
      durability: { spool_dir: path.join(dir, 'spool') },
      data: { dir: path.join(dir, 'data') },
      admin: { token: ADMIN_TOKEN },
      auth: { keys: [{ name: 'fuzz', key: CLIENT_KEY }] },
    },
    TEST_ENV,
  );
  const app = await buildKeel(config, { logger: pino({ level: 'silent' }) });
  const routes = app
    .routes()
    .filter((r) => r.path.startsWith('/v1/') || r.path.startsWith('/api/'))
    .sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
  const db = app.services.database.db;
  // One statement for all tables (it runs before and after every refused write, so it must be cheap).
  const selects: string[] = [];
  for (const t of STATE_TABLES) {
    const { rows } = await sql<{ name: string }>`select name from pragma_table_info(${t})`.execute(db);
    const cols = rows.map((r) => `"${r.name}"`).join(',');
    selects.push(`select '${t}' as t, (select json_group_array(json_array(${cols})) from "${t}") as v`);
  }
  const snapshotQuery = sql.raw<{ t: string; v: string }>(selects.join(' union all '));
  return {
    app,
    openai,
    anthropic,
    routes,
    snapshot: async () => {
      const { rows } = await snapshotQuery.execute(db);
      return rows.map((r) => `${r.t}:${r.v}`).join('\n');
    },
    close: async () => {
      await app.close();
      await openai.close();
      await anthropic.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
