import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../audit/verify.js';
import { openDatabase } from '../store/db.js';
import { runData } from './data.js';

const dir = mkdtempSync(path.join(tmpdir(), 'keel-data-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = {
  KEEL_DATABASE_URL: `sqlite:${path.join(dir, 'keel.db')}`,
  KEEL_DATA_DIR: path.join(dir, 'data'),
};

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runData(argv, { out: (s) => (out += s), err: (s) => (err += s), env });
  return { code, out, err };
}

const RED = '/work/shared/data/drift/winequality-red.csv';
const WHITE = '/work/shared/data/drift/winequality-white.csv';
const haveWine = existsSync(RED) && existsSync(WHITE);

/** Even and odd data rows of a CSV as two files. */
function split(file: string): [string, string] {
  const [header, ...rows] = readFileSync(file, 'utf8')
    .replace(/^\uFEFF/, '')
    .trimEnd()
    .split(/\r?\n/);
  const base = path.join(dir, path.basename(file, '.csv'));
  writeFileSync(`${base}-even.csv`, `${header}\n${rows.filter((_, i) => i % 2 === 0).join('\n')}\n`);
  writeFileSync(`${base}-odd.csv`, `${header}\n${rows.filter((_, i) => i % 2 === 1).join('\n')}\n`);
  return [`${base}-even.csv`, `${base}-odd.csv`];
}

describe.skipIf(!haveWine)('keel data drift on the shared wine data', () => {
  it('red vs white: JSON in the documented shape, dataset drift', async () => {
    const r = await run('drift', RED, WHITE, '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(Object.keys(report.dataset).slice(0, 3)).toEqual(['drifted_columns', 'share', 'dataset_drift']);
    expect(report.dataset.dataset_drift).toBe(true);
    for (const c of report.columns)
      expect(Object.keys(c).slice(0, 7)).toEqual([
        'column',
        'type',
        'method',
        'statistic',
        'p_value',
        'threshold',
        'drifted',
      ]);
    expect(report.columns.find((c: { column: string }) => c.column === 'totalsulfurdioxide')).toMatchObject({
      type: 'numerical',
      method: 'wasserstein',
      p_value: null,
      threshold: 0.1,
      drifted: true,
    });
  });

  it('even vs odd rows of one file: no dataset drift; --fail-on-drift, --columns, --method, --threshold', async () => {
    const [even, odd] = split(RED);
    const r = await run('drift', even, odd, '--json');
    const report = JSON.parse(r.out);
    expect(report.dataset.dataset_drift).toBe(false);
    expect(report.columns.every((c: { method: string }) => c.method === 'ks')).toBe(true);
    expect((await run('drift', even, odd, '--fail-on-drift')).code).toBe(0);
    expect((await run('drift', RED, WHITE, '--fail-on-drift')).code).toBe(1);
    const some = JSON.parse(
      (
        await run(
          'drift',
          RED,
          WHITE,
          '--json',
          '--columns',
          'pH,alcohol',
          '--method',
          'psi',
          '--threshold',
          '0.2',
        )
      ).out,
    );
    expect(some.columns.map((c: { column: string }) => c.column)).toEqual(['pH', 'alcohol']);
    expect(
      some.columns.every(
        (c: { method: string; threshold: number }) => c.method === 'psi' && c.threshold === 0.2,
      ),
    ).toBe(true);
    const text = await run('drift', RED, WHITE);
    expect(text.out).toMatch(/DATASET DRIFT/);
  });
});

describe('keel data register / list / show / check', () => {
  const v1 = path.join(dir, 'users-1.csv');
  const v2 = path.join(dir, 'users-2.csv');
  writeFileSync(v1, 'id,age,plan\n1,34,pro\n2,45,free\n3,29,free\n4,51,pro\n');
  writeFileSync(v2, 'id,age,plan\n1,34,pro\n2,,free\n2,17,trial\n');
  const contract = path.join(dir, 'users.yaml');
  writeFileSync(
    contract,
    'name: users\ndataset: users\ncolumns:\n  id: { type: integer, unique: true }\n  age: { type: integer, nullable: false, min: 18 }\n  plan: { allowed: [free, pro] }\n',
  );

  it('registers content-addressed versions and lists them', async () => {
    const a = await run(
      'register',
      'users',
      v1,
      '--owner',
      'team:growth',
      '--description',
      'Users',
      '--json',
    );
    expect(a.code).toBe(0);
    expect(JSON.parse(a.out)).toMatchObject({
      created: true,
      version: { version: 1, rows: 4 },
      dataset: { owner: 'team:growth' },
    });
    const again = await run('register', 'users', v1);
    expect(again.out).toMatch(/^unchanged: users@1/);
    const b = await run('register', 'users', v2, '--json');
    expect(JSON.parse(b.out).version.version).toBe(2);
    const l = await run('list');
    expect(l.out).toMatch(/users\s+team:growth\s+2\s+@2/);
    // Each registration is in the audit chain as the CLI's change; the unchanged one is not.
    const database = await openDatabase(env.KEEL_DATABASE_URL);
    try {
      const rows = await database.db
        .selectFrom('audit_log')
        .select(['actor', 'action', 'target'])
        .orderBy('seq')
        .execute();
      expect(rows.map((r) => `${r.actor} ${r.action} ${r.target}`)).toEqual([
        'cli dataset.register users',
        'cli dataset.version users@1',
        'cli dataset.version users@2',
      ]);
      expect((await verifyAudit(database)).problems).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('check exits 1 naming each failed rule with counts and rows, stores the result, show reports it', async () => {
    const bad = await run('check', v2, '--contract', contract);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/FAIL users: 3 rows/);
    expect(bad.out).toMatch(/✗ unique \[id\]: 1 of 3/);
    expect(bad.out).toMatch(/✗ not_null \[age\]: 1 of 3/);
    expect(bad.out).toMatch(/row 2: null/);
    expect(bad.out).toMatch(/✗ allowed_values \[plan\]: 1 of 3/);
    const json = JSON.parse((await run('check', v2, '--contract', contract, '--json')).out);
    expect(json).toMatchObject({ passed: false, dataset_version: 'users@2' });
    const ok = await run('check', v1, '--contract', contract);
    expect(ok.code).toBe(0);
    const shown = JSON.parse((await run('show', 'users@2', '--json')).out);
    expect(shown.version.profile.columns.map((c: { name: string }) => c.name)).toEqual(['id', 'age', 'plan']);
    expect(shown.checks).toHaveLength(2);
    expect(shown.checks[0]).toMatchObject({ contract: 'users', passed: false });
    expect((await run('show', 'users@1')).out).toMatch(/check users: passed/);
  });

  it('drift against a registered version uses its cached profile and stores the run', async () => {
    const r = await run('drift', 'users@1', v2, '--json', '--store');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).columns.length).toBeGreaterThan(0);
    const shown = JSON.parse((await run('show', 'users@1', '--json')).out);
    expect(shown.drifts).toHaveLength(1);
  });

  it('usage errors exit 2', async () => {
    expect((await run('drift', v1)).code).toBe(2);
    expect((await run('drift', v1, v2, '--method', 'magic')).code).toBe(2);
    expect((await run('drift', v1, 'nope@3')).code).toBe(2);
    expect((await run('check', v1)).code).toBe(2);
    expect((await run('bogus')).code).toBe(2);
  });
});
