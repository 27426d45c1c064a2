import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryAudit } from '../../access/memory-audit.js';
import { allRows, clearAudit, SIGNING_KEY, seedAudit, setRow } from '../../audit/testkit.js';
import { parseConfig } from '../../config/load.js';
import type { Database } from '../../store/db.js';
import { STORES } from '../../store/testkit.js';
import type { AppEnv } from '../types.js';
import { auditApi } from './audit.js';
import { adminTestApp, fixedAdmin } from './testkit.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'keel-audit-http-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.each(STORES)('audit admin routes on $name', (store) => {
  let database: Database;
  let app: Hono<AppEnv>;
  const file = path.join(tmp, `cp-${store.name}.jsonl`);

  beforeAll(async () => {
    database = await store.open();
    await clearAudit(database);
    await seedAudit(database, 23, { checkpointEvery: 10, signingKey: SIGNING_KEY, checkpointFile: file });
    const config = parseConfig({ audit: { signing_key: SIGNING_KEY, checkpoint_file: file } }, {});
    app = adminTestApp(
      { config, database, audit: memoryAudit() },
      { groups: [auditApi], authenticate: fixedAdmin() },
    );
  });
  afterAll(async () => {
    await database?.close();
  });

  const get = async (qs: string) => {
    const res = await app.request(`/api/audit${qs}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('pages newest first with a cursor', async () => {
    const seen: number[] = [];
    let cursor: number | null = null;
    do {
      const { status, body } = await get(`?limit=10${cursor ? `&before_seq=${cursor}` : ''}`);
      expect(status).toBe(200);
      const data = body.data as Array<{ seq: number }>;
      seen.push(...data.map((e) => e.seq));
      cursor = body.next_cursor as number | null;
      expect(body.has_more).toBe(cursor !== null);
    } while (cursor !== null);
    expect(seen).toEqual(Array.from({ length: 23 }, (_, i) => 23 - i));
  });

  it('returns entries in snake_case with parsed details', async () => {
    const { body } = await get('?limit=1');
    const [e] = body.data as Array<Record<string, unknown>>;
    expect(e).toMatchObject({ seq: 23, actor: 'admin:ops1', action: 'request.refused', target: 'key_23' });
    expect(e?.time).toBe(new Date(e?.ts as number).toISOString());
    expect(e?.details).toEqual({ i: 23, reason: 'reason 23', nested: { ok: false, list: [23, 'x'] } });
    expect(e?.prev_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('filters by actor, action (exact or prefix), target and time', async () => {
    const byActor = await get('?actor=anonymous&limit=500');
    expect((byActor.body.data as Array<{ seq: number }>).map((e) => e.seq)).toEqual([
      21, 18, 15, 12, 9, 6, 3,
    ]);
    const byAction = await get('?action=key.update');
    expect((byAction.body.data as unknown[]).length).toBe(11);
    const byPrefix = await get('?action=request.*');
    expect((byPrefix.body.data as unknown[]).length).toBe(12);
    const byTarget = await get('?target=key_7');
    expect((byTarget.body.data as Array<{ seq: number }>).map((e) => e.seq)).toEqual([7]);
    const rows = await allRows(database);
    const from = rows[4]?.ts as number;
    const to = rows[7]?.ts as number;
    const byTime = await get(`?from=${from}&to=${to}`);
    expect((byTime.body.data as Array<{ seq: number }>).map((e) => e.seq)).toEqual([7, 6, 5]);
    const iso = await get(`?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`);
    expect(iso.body.data).toEqual(byTime.body.data);
    const none = await get('?actor=nobody');
    expect(none.body).toMatchObject({ data: [], next_cursor: null, has_more: false });
  });

  it.each([
    ['?limit=0', 'limit'],
    ['?limit=501', 'limit'],
    ['?limit=ten', 'limit'],
    ['?limit=1&limit=2', 'limit'],
    ['?before_seq=-1', 'before_seq'],
    ['?before_seq=1e3', 'before_seq'],
    ['?from=yesterday', 'from'],
    ['?from=2026-02-01&to=2026-01-01', 'from'],
    ['?actor=', 'actor'],
    [`?target=${'x'.repeat(600)}`, 'target'],
    ["?actor=' OR 1=1 --&sort=seq", 'sort'],
  ])('rejects %s with a 400 naming %s', async (qs, param) => {
    const { status, body } = await get(qs);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_request', param } });
  });

  it('treats SQL-ish filter values as data', async () => {
    const { status, body } = await get(`?actor=${encodeURIComponent("' OR 1=1 --")}`);
    expect(status).toBe(200);
    expect(body.data).toEqual([]);
  });

  it('POST /audit/verify reports an intact chain, then names the altered entry', async () => {
    let res = await app.request('/api/audit/verify', { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, entries: 23, checkpoints: 3, problems: [] });

    await setRow(database, 13, { actor: 'admin:mallory' });
    const [a, b] = await Promise.all([
      app.request('/api/audit/verify', { method: 'POST' }),
      app.request('/api/audit/verify', { method: 'POST' }),
    ]);
    res = a;
    const body = (await res.json()) as { ok: boolean; problems: Array<{ seq: number; kind: string }> };
    expect(body.ok).toBe(false);
    expect(body.problems[0]).toMatchObject({ seq: 13, kind: 'altered' });
    expect(await b.json()).toEqual(body);
  });
});
