import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createAdminStore } from '../access/admin-store.js';
import { createKeyStore } from '../access/key-store.js';
import type { AuditLogWriter } from '../audit/log.js';
import { allRows, auditActions, auditedChangesSuite, breakAuditInserts } from '../audit/testkit.js';
import { verifyAudit } from '../audit/verify.js';
import { parseConfig } from '../config/load.js';
import { adminTestApp } from '../http/admin/testkit.js';
import type { Database } from '../store/db.js';
import { STORES } from '../store/testkit.js';
import { createDataServices, type DataServices } from './index.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'keel-data-audited-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TABLES = [
  'data_lineage_edges',
  'data_prompt_versions',
  'data_prompt_templates',
  'data_dataset_versions',
  'data_datasets',
  'monitor_references',
  'key_secrets',
  'virtual_keys',
  'admin_users',
] as const;

/** Dataset, prompt, lineage and monitor-reference changes are stored with their audit entries or not at all. */
describe.each(STORES)('audited data changes on $name', (store) => {
  let database: Database;
  let audit: AuditLogWriter;
  let data: DataServices;
  const file = path.join(tmp, `${store.name}-faq.csv`);

  auditedChangesSuite(store, TABLES, (d, a) => {
    database = d;
    audit = a;
  });
  beforeEach(async () => {
    data = createDataServices({
      config: { data: { dir: path.join(tmp, `${store.name}-data`) } },
      database,
      audit,
    });
    writeFileSync(file, 'question,views\nreset?,10\nplan?,4\n');
  });

  const rows = () => allRows(database);
  const actions = () => auditActions(database);
  const count = async (table: (typeof TABLES)[number]) =>
    (await database.db.selectFrom(table).selectAll().execute()).length;

  it('dataset register, update and version: each entry is in the chain when the call returns', async () => {
    const a = await data.registry.register({ name: 'faq', file, owner: 'team:a' }, 'admin:alice');
    await data.registry.register({ name: 'faq', file, owner: 'team:a' }, 'admin:alice'); // no change, no entry
    await data.registry.register({ name: 'faq', file, owner: 'team:b' }, 'cli');
    writeFileSync(file, 'question,views\nreset?,900\n');
    const b = await data.registry.register({ name: 'faq', file }, 'cli');
    expect(b.version.version).toBe(2);
    expect(audit.pending).toBe(0);
    expect(await actions()).toEqual([
      'dataset.register faq',
      'dataset.version faq@1',
      'dataset.update faq',
      'dataset.version faq@2',
    ]);
    const all = await rows();
    expect(all.map((r) => r.actor)).toEqual(['admin:alice', 'admin:alice', 'cli', 'cli']);
    expect(JSON.parse(all[1]?.details ?? '{}')).toEqual({
      dataset: 'faq',
      version: 1,
      version_id: a.version.id,
      sha256: a.version.sha256,
      rows: 2,
      bytes: a.version.bytes,
      columns: 2,
    });
    expect(JSON.parse(all[2]?.details ?? '{}')).toMatchObject({
      before: { owner: 'team:a' },
      after: { owner: 'team:b' },
    });
    // Where the bytes came from is not in the record (a source may be a URL with credentials).
    expect(all.map((r) => r.details).join('')).not.toContain(tmp);
    await audit.close();
    expect((await verifyAudit(database)).problems).toEqual([]);
  });

  it('dataset changes are not made when their entry cannot be written', async () => {
    await data.registry.register({ name: 'faq', file, owner: 'team:a' }, 'admin:alice');
    const restore = await breakAuditInserts(database);
    try {
      await expect(data.registry.register({ name: 'other', file }, 'admin:alice')).rejects.toThrow(
        /audit entry/,
      );
      await expect(data.registry.register({ name: 'faq', file, owner: 'x' }, 'admin:alice')).rejects.toThrow(
        /audit entry/,
      );
      writeFileSync(file, 'question,views\nreset?,900\n');
      await expect(data.registry.register({ name: 'faq', file }, 'admin:alice')).rejects.toThrow(
        /audit entry/,
      );
    } finally {
      await restore();
    }
    expect((await data.registry.list()).map((d) => [d.name, d.owner, d.versions])).toEqual([
      ['faq', 'team:a', 1],
    ]);
    expect(await actions()).toEqual(['dataset.register faq', 'dataset.version faq@1']);
    await audit.close();
  });

  it('prompt versions and lineage edges: audited with the change, or not made', async () => {
    await data.registry.register({ name: 'faq', file }, 'admin:alice');
    const input = {
      name: 'answer',
      template: 'Answer {{q}}',
      model: 'm1',
      useCase: 'support',
      datasets: ['dataset:faq@1'],
    };
    await data.prompts.register(input, 'admin:alice');
    await data.prompts.register(input, 'admin:alice'); // same text and model: nothing new
    const restore = await breakAuditInserts(database);
    try {
      await expect(
        data.prompts.register({ ...input, template: 'Reply {{q}}' }, 'admin:alice'),
      ).rejects.toThrow(/audit entry/);
      await expect(data.prompts.register({ ...input, name: 'new' }, 'admin:alice')).rejects.toThrow(
        /audit entry/,
      );
      await expect(
        data.lineage.addEdge('use_case:support', 'output:support', 'produces', 'admin:bob'),
      ).rejects.toThrow(/audit entry/);
      await expect(
        data.lineage.removeEdge('prompt:answer@1', 'model:m1', 'runs_on', 'admin:bob'),
      ).rejects.toThrow(/audit entry/);
    } finally {
      await restore();
    }
    expect((await data.prompts.list()).map((p) => [p.name, p.latestVersion])).toEqual([['answer', 1]]);
    expect(await count('data_lineage_edges')).toBe(3);
    await data.lineage.addEdge('use_case:support', 'output:support', 'produces', 'admin:bob');
    await data.lineage.addEdge('use_case:support', 'output:support', 'produces', 'admin:bob'); // recorded already
    expect(await data.lineage.removeEdge('prompt:answer@1', 'model:m1', 'runs_on', 'admin:bob')).toBe(true);
    expect(await data.lineage.removeEdge('prompt:answer@1', 'model:m1', 'runs_on', 'admin:bob')).toBe(false);
    expect((await actions()).slice(2)).toEqual([
      'prompt.register answer',
      'prompt.version answer@1',
      'lineage.edge.add dataset:faq@1>prompt:answer@1',
      'lineage.edge.add prompt:answer@1>model:m1',
      'lineage.edge.add model:m1>use_case:support',
      'lineage.edge.add use_case:support>output:support',
      'lineage.edge.remove prompt:answer@1>model:m1',
    ]);
    const version = (await rows()).find((r) => r.action === 'prompt.version');
    // The template is identified by its hash, not copied into the record.
    expect(JSON.parse(version?.details ?? '{}')).toMatchObject({ name: 'answer', version: 1, model: 'm1' });
    expect(version?.details).not.toContain('Answer {{q}}');
    await audit.close();
    expect((await verifyAudit(database)).problems).toEqual([]);
  });

  it('monitor reference freeze and pin: audited with the change, or not made', async () => {
    const { version } = await data.registry.register({ name: 'faq', file }, 'admin:alice');
    const restore = await breakAuditInserts(database);
    try {
      await expect(data.cluster.freezeReference('support', 1000, 'admin:alice')).rejects.toThrow(
        /audit entry/,
      );
      await expect(data.cluster.pinReference('support', version, 1000, 'admin:alice')).rejects.toThrow(
        /audit entry/,
      );
    } finally {
      await restore();
    }
    expect(await count('monitor_references')).toBe(0);
    await data.cluster.freezeReference('support', 2000, 'admin:alice');
    await data.cluster.pinReference('support', version, 3000, 'admin:bob');
    await data.cluster.pinReference('support', version, 4000, 'system'); // the same profile again
    expect((await actions()).slice(2)).toEqual([
      'monitor.reference.freeze support',
      'monitor.reference.pin support',
    ]);
    const pin = (await rows()).at(-1);
    expect(pin?.actor).toBe('admin:bob');
    expect(JSON.parse(pin?.details ?? '{}')).toEqual({
      use_case: 'support',
      dataset: 'faq@1',
      sha256: version.sha256,
      replaced: false,
    });
    const ref = await database.db.selectFrom('monitor_references').selectAll().executeTakeFirstOrThrow();
    expect(Number(ref.frozen_at)).toBe(2000);
    await audit.close();
    expect((await verifyAudit(database)).problems).toEqual([]);
  });

  it('the admin API answers a failed audit write with its error shape, and the change is not made', async () => {
    const BOOT = 'bootstrap-token-0123456789abcdef';
    const admins = createAdminStore(database, { audit });
    const app = adminTestApp({
      config: parseConfig({ admin: { token: BOOT } }, {}),
      keys: createKeyStore(database, { audit }),
      admins,
      audit,
      database,
      data,
      dataAllowedRoots: [tmp],
    });
    const { token } = await admins.create({ name: 'ops', role: 'operator' }, 'test');
    const call = (method: string, p: string, body: unknown) =>
      app.request(`/api${p}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    const ok = await call('POST', '/datasets', { name: 'faq', path: file });
    expect(ok.status).toBe(201);
    const restore = await breakAuditInserts(database);
    const failed: Response[] = [];
    try {
      failed.push(await call('POST', '/datasets', { name: 'other', path: file }));
      failed.push(await call('POST', '/prompts', { name: 'p', template: 'Hi {{x}}' }));
      failed.push(
        await call('POST', '/lineage/edges', { from: 'model:m', to: 'use_case:u', relation: 'serves' }),
      );
      failed.push(await call('POST', '/data/monitors/support/freeze-reference', {}));
      failed.push(await call('POST', '/data/monitors/support/pin', { dataset: 'faq@1' }));
    } finally {
      await restore();
    }
    for (const r of failed) {
      expect(r.status).toBe(500);
      const text = await r.text();
      expect(JSON.parse(text)).toEqual({
        error: {
          message: expect.stringMatching(/internal error/),
          type: expect.any(String),
          code: 'internal_error',
          param: null,
        },
      });
      expect(text).not.toMatch(/audit store down|at .*\.ts:\d+/);
    }
    expect((await data.registry.list()).map((d) => d.name)).toEqual(['faq']);
    expect(await data.prompts.list()).toEqual([]);
    expect(await count('data_lineage_edges')).toBe(0);
    expect(await count('monitor_references')).toBe(0);
    const mine = (await rows()).filter((r) => r.action.startsWith('dataset.'));
    expect(mine.map((r) => `${r.actor} ${r.action}`)).toEqual([
      'admin:ops dataset.register',
      'admin:ops dataset.version',
    ]);
    await audit.close();
  });
});
