import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseContract } from '../contracts/schema.js';
import { parseCsv } from '../datasets/csv.js';
import { profileFromSamples } from '../datasets/profile.js';
import { driftProfile, runDrift } from '../drift/run.js';
import { runChecks } from '../quality/check.js';
import { createLineageEmitter } from './emitter.js';
import { checkEvents, type DatasetRef, driftEvents, type OLRunEvent } from './openlineage.js';

/** Every event Keel emits must validate against the official OpenLineage schemas (copied into test/fixtures). */
const DIR = new URL('../../../test/fixtures/openlineage/', import.meta.url);
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const core = JSON.parse(readFileSync(new URL('OpenLineage.json', DIR), 'utf8'));
ajv.addSchema(core);
const facetSchemas = new Map<string, { $id: string; properties: Record<string, unknown> }>();
for (const f of readdirSync(new URL('facets/', DIR))) {
  const s = JSON.parse(readFileSync(new URL(`facets/${f}`, DIR), 'utf8'));
  ajv.addSchema(s);
  for (const key of Object.keys(s.properties)) facetSchemas.set(key, s);
}
const validateEvent = ajv.getSchema(core.$id);

function assertValid(ev: OLRunEvent): void {
  if (!validateEvent) throw new Error('schema missing');
  expect(validateEvent(ev), JSON.stringify(validateEvent.errors)).toBe(true);
  const facets: [string, object][] = [
    ...Object.entries(ev.run.facets ?? {}),
    ...Object.entries(ev.job.facets ?? {}),
    ...ev.inputs.flatMap((d) => [...Object.entries(d.facets ?? {}), ...Object.entries(d.inputFacets ?? {})]),
  ];
  for (const [key, body] of facets) {
    const schema = facetSchemas.get(key);
    expect(schema, `no schema for facet ${key}`).toBeDefined();
    const v = ajv.getSchema((schema as { $id: string }).$id);
    expect(v?.({ [key]: body }), `${key}: ${JSON.stringify(v?.errors)}`).toBe(true);
  }
}

function ref(
  csv: string,
  extra: Partial<DatasetRef> = {},
): { ref: DatasetRef; table: ReturnType<typeof parseCsv> } {
  const table = parseCsv(csv);
  const d = driftProfile(table);
  const profile = profileFromSamples(
    table.rows,
    d.columns.values(),
    new Map(table.columns.map((c) => [c.name, c.nulls])),
  );
  return {
    table,
    ref: { location: '/data/users.csv', profile, bytes: csv.length, sha256: 'ab'.repeat(32), ...extra },
  };
}

const CSV = 'id,score,label\n1,0.5,a\n2,0.9,b\n3,,a\n4,1.7,c\n';

describe('OpenLineage events', () => {
  it('data check: START and COMPLETE with schema, dataSource, dataQualityMetrics and dataQualityAssertions', () => {
    const { table, ref: input } = ref(CSV, {
      registeredName: 'users',
      version: 2,
      owner: 'team:data',
      description: 'Users',
    });
    const report = runChecks(
      table,
      parseContract('name: users\ncolumns: { score: { max: 1 }, id: { unique: true } }'),
    );
    const { start, end } = checkEvents({ namespace: 'keel' }, input, { report });
    for (const ev of [start, end]) assertValid(ev);
    expect(start.eventType).toBe('START');
    expect(end.eventType).toBe('COMPLETE');
    expect(end.run.runId).toBe(start.run.runId);
    expect(end.inputs[0]?.facets).toHaveProperty('schema');
    expect(end.inputs[0]?.facets).toHaveProperty('dataSource');
    const dq = end.inputs[0]?.inputFacets?.dataQualityAssertions as
      | { assertions: { assertion: string; success: boolean }[] }
      | undefined;
    const assertions = dq?.assertions ?? [];
    expect(assertions).toContainEqual(
      expect.objectContaining({ assertion: 'max', success: false, column: 'score' }),
    );
    const metrics = end.inputs[0]?.inputFacets?.dataQualityMetrics as {
      rowCount: number;
      columnMetrics: Record<string, { nullCount: number }>;
    };
    expect(metrics.rowCount).toBe(4);
    expect(metrics.columnMetrics.score?.nullCount).toBe(1);
  });

  it('drift run and failed runs validate too', () => {
    const a = ref(CSV);
    const b = ref('id,score,label\n5,5.5,z\n6,9.9,z\n', { location: 'https://example.com/x.csv' });
    const report = runDrift(driftProfile(a.table), driftProfile(b.table));
    const ok = driftEvents(
      { namespace: 'keel', runId: '3b5c7d5e-0c2f-4a6b-9b1e-2f4d6a8c0e1f' },
      a.ref,
      b.ref,
      { report },
    );
    for (const ev of [ok.start, ok.end]) assertValid(ev);
    expect(ok.end.inputs).toHaveLength(2);
    const failed = driftEvents({ namespace: 'keel' }, a.ref, b.ref, { error: 'boom' });
    assertValid(failed.end);
    expect(failed.end.eventType).toBe('FAIL');
    const failedCheck = checkEvents({ namespace: 'keel' }, a.ref, { error: 'cannot read file' });
    assertValid(failedCheck.end);
  });
});

describe('lineage emitter', () => {
  const received: { url: string; body: OLRunEvent }[] = [];
  let failures = 0;
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => {
      if (failures > 0) {
        failures--;
        res.writeHead(503).end();
        return;
      }
      if (req.url === '/bad/api/v1/lineage') {
        res.writeHead(400).end();
        return;
      }
      received.push({ url: req.url ?? '', body: JSON.parse(data) });
      res.writeHead(201).end();
    });
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('POSTs to {endpoint}/api/v1/lineage, retries 5xx, gives up on 4xx', async () => {
    const events = checkEvents({ namespace: 'keel' }, ref(CSV).ref, {
      report: runChecks(parseCsv(CSV), parseContract('name: c')),
    });
    const errors: string[] = [];
    const em = createLineageEmitter({
      endpoint: `${base}/`,
      sleep: async () => {},
      onError: (m) => errors.push(m),
    });
    failures = 2;
    const [a, b] = await em.emitRun(events);
    expect(a).toMatchObject({ ok: true, status: 201, attempts: 3 });
    expect(b).toMatchObject({ ok: true, attempts: 1 });
    expect(received.map((r) => [r.url, r.body.eventType])).toEqual([
      ['/api/v1/lineage', 'START'],
      ['/api/v1/lineage', 'COMPLETE'],
    ]);
    const bad = createLineageEmitter({
      endpoint: `${base}/bad`,
      sleep: async () => {},
      onError: (m) => errors.push(m),
    });
    expect(await bad.emit(events.start)).toMatchObject({ ok: false, status: 400, attempts: 1 });
    const down = createLineageEmitter({
      endpoint: 'http://127.0.0.1:9',
      retries: 1,
      sleep: async () => {},
      onError: (m) => errors.push(m),
    });
    expect(await down.emit(events.start)).toMatchObject({ ok: false, status: null, attempts: 2 });
    expect(errors).toHaveLength(2);
  });
});
