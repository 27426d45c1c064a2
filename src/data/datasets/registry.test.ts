import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryAudit } from '../../access/memory-audit.js';
import { STORES } from '../../store/testkit.js';
import { createLineageStore } from '../lineage/graph.js';
import { createPromptRegistry } from '../lineage/prompts.js';
import { createDatasetRegistry } from './registry.js';
import { createResultStore } from './results.js';

const dir = mkdtempSync(path.join(tmpdir(), 'keel-registry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(STORES)('dataset registry on $name', (store) => {
  it('versions by content hash, resolves refs, caches drift profiles, stores results and lineage', async () => {
    const database = await store.open();
    const audit = memoryAudit();
    try {
      const dataDir = path.join(dir, store.name);
      const reg = createDatasetRegistry(database, { dataDir, audit });
      const f1 = path.join(dir, 'a.csv');
      writeFileSync(f1, 'x,y\n1,a\n2,b\n3,a\n');
      const a = await reg.register({ name: 'orders', file: f1, owner: 'team:ops' }, 'test');
      expect(a).toMatchObject({ created: true, version: { version: 1, rows: 3 } });
      expect((await reg.register({ name: 'orders', file: f1 }, 'test')).created).toBe(false);
      writeFileSync(f1, 'x,y\n1,a\n2,b\n3,c\n4,c\n');
      const b = await reg.register({ name: 'orders', file: f1 }, 'test');
      expect(b.version.version).toBe(2);
      expect((await reg.resolve('orders'))?.version).toBe(2);
      expect((await reg.resolve('orders@1'))?.sha256).toBe(a.version.sha256);
      expect((await reg.resolve(`orders@${a.version.sha256.slice(0, 10)}`))?.version).toBe(1);
      expect(await reg.resolve('orders@9')).toBeNull();
      expect((await reg.findBySha(b.version.sha256))[0]?.id).toBe(b.version.id);
      const cached = await reg.driftProfile(a.version);
      expect([...(cached?.columns.keys() ?? [])]).toEqual(['x', 'y']);
      const list = await reg.list();
      expect(list[0]).toMatchObject({
        name: 'orders',
        owner: 'team:ops',
        versions: 2,
        latest: { version: 2 },
      });

      const results = createResultStore(database);
      await results.recordCheck(
        {
          datasetVersionId: b.version.id,
          fileSha256: b.version.sha256,
          report: { contract: 'c', rows: 4, passed: true, failed_rules: 0, results: [] },
        },
        'test',
      );
      expect(await results.checks(b.version.id)).toHaveLength(1);

      const lineage = createLineageStore(database, { audit });
      const prompts = createPromptRegistry(database, { audit });
      const p = await prompts.register(
        {
          name: 'summarise',
          template: 'Summarise {{text}}',
          model: 'm1',
          useCase: 'uc',
          datasets: ['dataset:orders@2'],
        },
        'test',
      );
      expect(p.version).toMatchObject({ version: 1, variables: ['text'] });
      const g = await lineage.graph({ node: 'dataset:orders@2' });
      expect(g.edges.map((e) => e.relation).sort()).toEqual(['grounds', 'runs_on', 'serves']);
    } finally {
      await database.close();
    }
  }, 60_000);
});
