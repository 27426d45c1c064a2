import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminStore } from '../../access/admin-store.js';
import { createKeyStore } from '../../access/key-store.js';
import { memoryAudit } from '../../access/memory-audit.js';
import { parseConfig } from '../../config/load.js';
import { createDataServices, type DataServices } from '../../data/index.js';
import type { Database } from '../../store/db.js';
import { STORES } from '../../store/testkit.js';
import type { AppEnv } from '../types.js';
import { adminTestApp } from './testkit.js';

const BOOT = 'bootstrap-token-0123456789abcdef';
/** A JSON response body, typed by the caller. */
const body = async <T = Record<string, unknown>>(r: Response | Promise<Response>) =>
  (await (await r).json()) as T;

const dir = mkdtempSync(path.join(tmpdir(), 'keel-data-api-'));
let database: Database;
let data: DataServices;
let app: Hono<AppEnv>;
const tokens: Record<string, string> = {};

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The data features on every store: datasets, prompts and lineage live in its tables.
describe.each(STORES)('data admin API on $name', (store) => {
  beforeAll(async () => {
    const config = parseConfig({ admin: { token: BOOT } }, {});
    database = await store.open();
    const audit = memoryAudit();
    const admins = createAdminStore(database, { audit });
    data = createDataServices({ config: { data: { dir: path.join(dir, store.name) } }, database, audit });
    app = adminTestApp({
      config,
      keys: createKeyStore(database, { audit }),
      admins,
      audit,
      database,
      data,
      dataAllowedRoots: [dir],
    });
    for (const role of ['viewer', 'operator'] as const)
      tokens[role] = (await admins.create({ name: role, role }, 'test')).token;
    writeFileSync(
      path.join(dir, 'faq.csv'),
      'question,answer,views\nreset password?,use the link,10\nchange plan?,settings page,4\n',
    );
  });
  afterAll(async () => {
    await database.close();
  });

  function call(
    method: string,
    p: string,
    o: { role?: string; body?: unknown; raw?: string; type?: string } = {},
  ) {
    const headers: Record<string, string> = { authorization: `Bearer ${o.role ? tokens[o.role] : BOOT}` };
    let body: string | undefined;
    if (o.raw !== undefined) {
      body = o.raw;
      headers['content-type'] = o.type ?? 'text/csv';
    } else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] = 'application/json';
    }
    return app.request(`/api${p}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  }

  describe('/api/datasets', () => {
    it('registers from an allowed path, refuses paths outside the roots, lists and shows', async () => {
      const r = await call('POST', '/datasets', {
        role: 'operator',
        body: { name: 'faq', path: path.join(dir, 'faq.csv'), owner: 'team:support' },
      });
      expect(r.status).toBe(201);
      const j = await r.json();
      expect(j).toMatchObject({
        created: true,
        version: { ref: 'faq@1', rows: 2 },
        dataset: { owner: 'team:support' },
      });
      expect(
        (await call('POST', '/datasets', { role: 'operator', body: { name: 'x', path: '/etc/hostname' } }))
          .status,
      ).toBe(403);
      expect(
        (
          await call('POST', '/datasets', {
            role: 'viewer',
            body: { name: 'faq', path: path.join(dir, 'faq.csv') },
          })
        ).status,
      ).toBe(403);
      const list = await body<{ data: unknown[] }>(call('GET', '/datasets', { role: 'viewer' }));
      expect(list.data[0]).toMatchObject({ name: 'faq', versions: 1, latest: { version: 1 } });
      const v = await body<{ profile: { columns: { name: string }[] } }>(
        call('GET', '/datasets/faq/versions/latest', { role: 'viewer' }),
      );
      expect(v.profile.columns.map((c) => c.name)).toEqual(['question', 'answer', 'views']);
      expect((await call('GET', '/datasets/nope', { role: 'viewer' })).status).toBe(404);
    });

    it('accepts uploads as new versions, checks a version against a contract and runs drift', async () => {
      const up = await call('POST', '/datasets/faq/versions', {
        role: 'operator',
        raw: 'question,answer,views\nreset password?,use the link,900\n',
      });
      expect(up.status).toBe(201);
      expect(((await up.json()) as { version: { version: number } }).version.version).toBe(2);
      const chk = await call('POST', '/datasets/faq/check', {
        role: 'operator',
        body: { version: '1', contract: 'name: faq\ncolumns: { views: { type: integer, max: 5 } }' },
      });
      expect(chk.status).toBe(200);
      const report = await chk.json();
      expect(report).toMatchObject({ passed: false, failed_rules: 1, dataset_version: 'faq@1' });
      const drift = await body(
        call('POST', '/datasets/drift', { role: 'operator', body: { reference: 'faq@1', current: 'faq@2' } }),
      );
      expect(drift.dataset).toHaveProperty('dataset_drift');
      const results = await body<{ checks: unknown[]; drifts: unknown[] }>(
        call('GET', '/datasets/faq/versions/1/results', { role: 'viewer' }),
      );
      expect(results.checks).toHaveLength(1);
      expect(results.drifts[0]).toMatchObject({ role: 'reference' });
      expect(
        (
          await call('POST', '/datasets/drift', {
            role: 'operator',
            body: { reference: 'faq@1', current: 'faq@2', method: 'bogus' },
          })
        ).status,
      ).toBe(400);
    });

    it('refuses an upload format that is not a known one (it names the file) with a 400', async () => {
      for (const format of ['%00', '..%2F..%2F..%2Fescaped', 'parquet']) {
        const r = await call('POST', `/datasets/fmt/versions?format=${format}`, {
          role: 'operator',
          raw: 'a\n1\n',
        });
        expect(r.status).toBe(400);
        expect(((await r.json()) as { error: { param: string } }).error.param).toBe('format');
      }
      expect(
        (await call('POST', '/datasets/fmt/versions?format=TSV', { role: 'operator', raw: 'a\n1\n' })).status,
      ).toBe(201);
    });

    it('refuses an upload wider than the column limit with a 400, quickly (it would hold the event loop)', async () => {
      for (const [raw, type] of [
        [`${Array.from({ length: 50_000 }, (_, i) => `c${i}`).join(',')}\n`, 'text/csv'],
        [
          `${JSON.stringify(Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`c${i}`, i])))}\n`,
          'application/x-ndjson',
        ],
      ] as const) {
        const t0 = performance.now();
        const r = await call('POST', '/datasets/wide/versions', { role: 'operator', raw, type });
        expect(r.status).toBe(400);
        expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(
          /at most 1000 columns/,
        );
        expect(performance.now() - t0).toBeLessThan(1000);
      }
    });
  });

  describe('/api/prompts and /api/lineage', () => {
    it('registers prompt versions and draws dataset → prompt → model → use case', async () => {
      const p = await call('POST', '/prompts', {
        role: 'operator',
        body: {
          name: 'answer-faq',
          template: 'Answer {{question}} using {{context}}',
          model: 'gpt-4o-mini',
          use_case: 'support',
          datasets: ['faq@1'],
        },
      });
      expect(p.status).toBe(201);
      expect(await p.json()).toMatchObject({ ref: 'answer-faq@1', variables: ['question', 'context'] });
      const same = await call('POST', '/prompts', {
        role: 'operator',
        body: { name: 'answer-faq', template: 'Answer {{question}} using {{context}}', model: 'gpt-4o-mini' },
      });
      expect(((await same.json()) as { created: boolean }).created).toBe(false);
      type Graph = { edges: { from: string; to: string }[]; nodes: { id: string; meta?: unknown }[] };
      const g = await body<Graph>(call('GET', '/lineage?node=dataset:faq', { role: 'viewer' }));
      expect(g.edges.map((e) => `${e.from}>${e.to}`)).toEqual(
        expect.arrayContaining([
          'dataset:faq@1>prompt:answer-faq@1',
          'prompt:answer-faq@1>model:gpt-4o-mini',
          'model:gpt-4o-mini>use_case:support',
        ]),
      );
      expect(g.nodes.find((n) => n.id === 'dataset:faq@1')?.meta).toMatchObject({ rows: 2 });
      const add = await call('POST', '/lineage/edges', {
        role: 'operator',
        body: { from: 'use_case:support', to: 'output:support', relation: 'produces' },
      });
      expect(add.status).toBe(201);
      const down = await body<Graph>(call('GET', '/lineage?node=prompt:answer-faq@1', { role: 'viewer' }));
      expect(down.nodes.map((n) => n.id)).toContain('output:support');
      expect((await call('GET', '/lineage?node=bad node', { role: 'viewer' })).status).toBe(400);
      const badRelation = { from: 'use_case:support', to: 'output:support', relation: '\u0000' };
      expect((await call('POST', '/lineage/edges', { role: 'operator', body: badRelation })).status).toBe(
        400,
      );
      expect((await call('GET', '/prompts/answer-faq', { role: 'viewer' })).status).toBe(200);
    });
  });

  describe('/api/data', () => {
    it('validates outputs and reports monitor health', async () => {
      const v = await call('POST', '/data/validate-output', {
        role: 'viewer',
        body: { schema: { type: 'object', required: ['a'] }, output: '{"b":1}' },
      });
      expect(await v.json()).toMatchObject({ valid: false });
      const h = await body(call('GET', '/data/health', { role: 'viewer' }));
      expect(h).toMatchObject({ monitors: [], capture_text: false });
      expect((await call('POST', '/data/monitors/run', { role: 'viewer' })).status).toBe(403);
      expect((await call('POST', '/data/monitors/run', { role: 'operator' })).status).toBe(200);
    });
  });
});
