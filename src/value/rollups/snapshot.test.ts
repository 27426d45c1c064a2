import {
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  SelectQueryNode,
  TableNode,
} from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../store/db.js';
import { createRollupJob } from '../../store/rollups/job.js';
import { DAY_MS } from '../../store/rollups/sql.js';
import type { KeelSchema } from '../../store/schema.js';
import { SHARED_STORES } from '../../store/testkit.js';
import { usageEvent, writeEvents } from '../testkit.js';
import { readLedger, readUsage } from './read.js';

// Two connections to one store: a SQLite file, or a PostgreSQL server when one is configured. (PGlite
// is one session: a second job cannot commit while a report's transaction is open on it.)

const T0 = Date.UTC(2026, 2, 1);
const N = 40;

/**
 * Runs `between` once, right after the first read of `rollup_state` that follows `arm()`: the moment
 * a report has read the watermark and not yet the rollups.
 */
function afterWatermarkRead(between: () => Promise<unknown>) {
  let armed = false;
  const watermarkReads = new WeakSet<object>();
  const plugin: KyselyPlugin = {
    transformQuery({ node, queryId }: PluginTransformQueryArgs) {
      const from = SelectQueryNode.is(node) ? node.from?.froms[0] : undefined;
      if (armed && from && TableNode.is(from) && from.table.identifier.name === 'rollup_state')
        watermarkReads.add(queryId);
      return node;
    },
    async transformResult({ queryId, result }: PluginTransformResultArgs) {
      if (armed && watermarkReads.has(queryId)) {
        armed = false;
        await between();
      }
      return result;
    },
  };
  return { plugin, arm: () => (armed = true) };
}

describe.each(SHARED_STORES)('reading the ledger while a rollup pass commits ($name)', (store) => {
  const open: Database[] = [];
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
  });

  async function setup() {
    const url = await store.fresh();
    const writer = await openDatabase(url);
    open.push(writer);
    for (const t of [
      'usage_events',
      'usage_rollups_hourly',
      'usage_rollups_daily',
      'usage_rollup_users',
      'rollup_state',
    ] as const)
      await writer.db.deleteFrom(t).execute();
    await writeEvents(
      writer,
      Array.from({ length: N }, (_, i) => usageEvent({ ts: T0 + i * 60_000, costUsd: 0.25 })),
    );
    const reading = await openDatabase(url, { migrate: false });
    open.push(reading);
    // The other connection's rollup pass (the SQLite writer thread, or another replica) commits at
    // the worst moment: after the watermark was read, before the rollups are.
    const rollupElsewhere = createRollupJob(writer, { chunk: 7 });
    // Two passes: on PostgreSQL a pass rolls up only to the highest id the previous one saw.
    const hook = afterWatermarkRead(async () => {
      await rollupElsewhere.refresh();
      await rollupElsewhere.refresh();
    });
    const reader: Database = { ...reading, db: reading.db.withPlugin(hook.plugin) as Kysely<KeelSchema> };
    return { reader, arm: hook.arm };
  }

  const range = { from: T0, to: T0 + DAY_MS, grain: 'day', by: [] } as const;
  const totals = (groups: Awaited<ReturnType<typeof readUsage>>) =>
    groups.reduce((a, g) => ({ requests: a.requests + g.m.requests, cost: a.cost + g.m.costUsd }), {
      requests: 0,
      cost: 0,
    });

  it('counts every event once inside readLedger', async () => {
    const { reader, arm } = await setup();
    arm();
    const groups = await readLedger(reader, (ledger, wm) => readUsage(ledger, wm, range));
    expect(totals(groups)).toEqual({ requests: N, cost: 0.25 * N });
    // The pass did commit meanwhile: a fresh snapshot finds every event in the rollups, once.
    const after = await readLedger(reader, async (ledger, wm) => {
      const rolled = await ledger.db
        .selectFrom('usage_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('id', '<=', wm)
        .executeTakeFirstOrThrow();
      expect(Number(rolled.n)).toBe(N);
      return readUsage(ledger, wm, range);
    });
    expect(totals(after)).toEqual({ requests: N, cost: 0.25 * N });
  });

  it('double counts without one snapshot (what readLedger prevents)', async () => {
    const { reader, arm } = await setup();
    arm();
    const wm = Number(
      (await reader.db.selectFrom('rollup_state').select('last_id').executeTakeFirst())?.last_id ?? 0,
    );
    const groups = await readUsage(reader, wm, range);
    expect(totals(groups).requests).toBe(2 * N);
  });
});
