import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../store/db.js';
import { DAY } from './demo/history.js';
import { runDemo } from './demo.js';
import { captureIo } from './testkit.js';

const io = captureIo;

describe('keel demo', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs beside a running Keel that holds the spool directory (the README flow)', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'keel-demo-'));
    const spoolDir = path.join(dir, 'spool');
    await mkdir(spoolDir);
    // A live process that is not this one holds the lock, as `npm start` does.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      await writeFile(path.join(spoolDir, 'LOCK'), `${holder.pid}\n`);
      const env = { KEEL_DATABASE_URL: `sqlite:${path.join(dir, 'keel.db')}`, KEEL_SPOOL_DIR: spoolDir };
      const run = io(env);
      expect(await runDemo(['--days', '0', '--requests', '5'], run)).toBe(0);
      expect(run.stderr()).toBe('');
      expect(run.stdout()).toMatch(/statuses: 200×5/);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('sends attacks, a secret, personal data and a leak through the real request path', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'keel-demo-'));
    const url = `sqlite:${path.join(dir, 'keel.db')}`;
    const run = io({ KEEL_DATABASE_URL: url, KEEL_SPOOL_DIR: path.join(dir, 'spool') });
    expect(await runDemo(['--days', '0', '--requests', '60'], run)).toBe(0);
    expect(run.stdout()).toMatch(/statuses: .*400×\d+/);
    expect(run.stdout()).toMatch(/502×\d+/);
    expect(run.stdout()).toContain('5 of them met the guards');
    const database = await openDatabase(url);
    try {
      const events = await database.db
        .selectFrom('security_events')
        .select(['request_id', 'use_case', 'detector', 'direction', 'action'])
        .execute();
      const seen = new Set(events.map((e) => `${e.detector}/${e.direction}/${e.action}`));
      for (const decision of [
        'injection/input/block',
        'secrets/input/mask',
        'pii/input/flag',
        'indirect_injection/input/block',
        'leak/output/block',
      ])
        expect(seen, decision).toContain(decision);
      expect(new Set(events.map((e) => e.use_case))).toEqual(new Set(['customer-chat']));
      // Each decision belongs to a call the gateway served and recorded (no history with --days 0).
      const served = await database.db
        .selectFrom('usage_events')
        .select(['request_id', 'status'])
        .where(
          'request_id',
          'in',
          events.map((e) => e.request_id as string),
        )
        .execute();
      expect(new Set(served.map((u) => u.request_id))).toEqual(new Set(events.map((e) => e.request_id)));
    } finally {
      await database.close();
    }
  }, 30_000);

  it('registers the story use cases, backfills history once and sends live traffic', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'keel-demo-'));
    const url = `sqlite:${path.join(dir, 'keel.db')}`;
    // No config file: the built-in simulator answers the live requests; the store is the temp file.
    const env = { KEEL_DATABASE_URL: url, KEEL_SPOOL_DIR: path.join(dir, 'spool') };

    const first = io(env);
    const t0 = Date.now();
    expect(await runDemo(['--days', '7', '--requests', '20'], first)).toBe(0);
    expect(first.stderr()).toBe('');
    expect(first.stdout()).toContain('Wrote 7 days of history');
    expect(first.stdout()).toContain('http://127.0.0.1:8700');
    expect(first.stdout()).toMatch(/statuses: .*200×\d+/);
    expect(Date.now() - t0).toBeLessThan(30_000);

    const database = await openDatabase(url);
    try {
      const { db } = database;
      const useCases = await db.selectFrom('use_cases').selectAll().execute();
      const byId = new Map(useCases.map((u) => [u.id as string, u]));
      for (const id of [
        'support-assistant',
        'contract-review',
        'lead-qualification',
        'knowledge-search',
        'customer-chat',
      ])
        expect(byId.has(id), id).toBe(true);

      const span = await db
        .selectFrom('usage_events')
        .select((eb) => [eb.fn.min('ts').as('first'), eb.fn.max('ts').as('last'), eb.fn.countAll().as('n')])
        .executeTakeFirstOrThrow();
      const history = Number(span.n);
      expect(Number(span.last) - Number(span.first)).toBeGreaterThan(6 * DAY);
      expect(Number(span.first)).toBeGreaterThanOrEqual(Math.floor(t0 / DAY) * DAY - 7 * DAY);

      // Value per use case, from the same additive sums the Command Room reads.
      const cost = async (uc: string) =>
        Number(
          (
            await db
              .selectFrom('usage_events')
              .select((eb) => eb.fn.sum<number>('cost_usd').as('c'))
              .where('use_case', '=', uc)
              .executeTakeFirstOrThrow()
          ).c,
        );
      const outcomes = async (uc: string) =>
        (await db.selectFrom('outcomes').select(['success']).where('use_case', '=', uc).execute()).map((o) =>
          Number(o.success),
        );
      const contract = await outcomes('contract-review');
      const contractValue = contract.filter((s) => s === 1).length * 1.5;
      expect(contractValue).toBeLessThan(await cost('contract-review'));
      const support = await outcomes('support-assistant');
      expect(support.filter((s) => s === 1).length * 0.4).toBeGreaterThan(await cost('support-assistant'));
      expect(await outcomes('lead-qualification')).toHaveLength(0);

      const refused = await db
        .selectFrom('usage_events')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('use_case', '=', 'customer-chat')
        .where('error_code', '=', 'prompt_injection_detected')
        .executeTakeFirstOrThrow();
      expect(Number(refused.n)).toBeGreaterThan(0);
      const security = await db
        .selectFrom('security_events')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('use_case', '=', 'customer-chat')
        .executeTakeFirstOrThrow();
      expect(Number(security.n)).toBe(Number(refused.n));
      const unpriced = await db
        .selectFrom('usage_events')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('cost_usd', 'is', null)
        .where('status', '=', 200)
        .executeTakeFirstOrThrow();
      expect(Number(unpriced.n)).toBeGreaterThan(0);

      await database.close();
      const second = io(env);
      expect(await runDemo(['--days', '7', '--requests', '20'], second)).toBe(0);
      expect(second.stdout()).toContain('backfill skipped');
      const reopened = await openDatabase(url);
      try {
        const after = await reopened.db
          .selectFrom('usage_events')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow();
        // Only the second run's live requests were added.
        expect(Number(after.n) - history).toBeLessThanOrEqual(20);
        const uc = await reopened.db.selectFrom('use_cases').select('id').execute();
        expect(uc.length).toBe(useCases.length);
      } finally {
        await reopened.close();
      }
    } finally {
      await database.close().catch(() => undefined);
    }
  }, 60_000);
});
