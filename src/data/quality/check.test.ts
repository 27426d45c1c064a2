import { describe, expect, it } from 'vitest';
import { parseContract } from '../contracts/schema.js';
import { parseCsv } from '../datasets/csv.js';
import { runChecks } from './check.js';

const CSV = `id,email,age,status,score,ts
1,a@x.io,34,active,0.5,2024-06-01T10:00:00Z
2,b@x.io,,active,0.7,2024-06-01T11:00:00Z
3,not-an-email,17,banned,1.5,2024-06-01T12:00:00Z
3,c@x.io,abc,active,0.2,2024-06-02T09:00:00Z
5,averyveryverylongaddress@example.com,52,paused,-0.1,2024-06-02T10:00:00Z
1,a@x.io,34,active,0.5,2024-06-01T10:00:00Z
`;

const CONTRACT = `
name: users
columns:
  id: { type: integer, unique: true, nullable: false }
  email: { type: string, regex: '^[^@\\s]+@[^@\\s]+$', max_length: 20 }
  age: { type: integer, nullable: false, min: 18, max: 120 }
  status: { allowed: [active, paused] }
  score: { type: number, min: 0, max: 1 }
  ts: { type: datetime }
  country: { type: string }
rules:
  row_count: { min: 1, max: 5 }
  duplicate_rows: { max: 0 }
  freshness: { column: ts, max_age: 24h }
`;

describe('data contracts', () => {
  const table = parseCsv(CSV);
  const report = runChecks(table, parseContract(CONTRACT), { now: Date.parse('2024-06-02T20:00:00Z') });
  const find = (rule: string, column?: string) =>
    report.results.find((r) => r.rule === rule && r.column === column);

  it('fails for the right rules with the right counts and sample rows', () => {
    expect(report.passed).toBe(false);
    expect(find('unique', 'id')).toMatchObject({ passed: false, failed_count: 2, checked: 6 });
    expect(find('unique', 'id')?.sample?.map((s) => s.row)).toEqual([4, 6]);
    expect(find('not_null', 'id')).toMatchObject({ passed: true, failed_count: 0 });
    expect(find('regex', 'email')).toMatchObject({
      passed: false,
      failed_count: 1,
      sample: [{ row: 3, value: 'not-an-email' }],
    });
    expect(find('max_length', 'email')).toMatchObject({ failed_count: 1, sample: [{ row: 5 }] });
    expect(find('type', 'age')).toMatchObject({ failed_count: 1, sample: [{ row: 4, value: 'abc' }] });
    expect(find('not_null', 'age')).toMatchObject({ failed_count: 1, sample: [{ row: 2, value: null }] });
    expect(find('min', 'age')).toMatchObject({ failed_count: 1, sample: [{ row: 3, value: '17' }] });
    expect(find('max', 'age')).toMatchObject({ passed: true });
    expect(find('allowed_values', 'status')).toMatchObject({
      failed_count: 1,
      sample: [{ row: 3, value: 'banned' }],
    });
    expect(find('min', 'score')).toMatchObject({ failed_count: 1, sample: [{ row: 5, value: -0.1 }] });
    expect(find('max', 'score')).toMatchObject({ failed_count: 1, sample: [{ row: 3, value: 1.5 }] });
    expect(find('type', 'ts')).toMatchObject({ passed: true, checked: 6 });
    expect(find('column_present', 'country')).toMatchObject({ passed: false, actual: 'missing' });
    expect(find('row_count')).toMatchObject({ passed: false, actual: '6' });
    expect(find('duplicate_rows')).toMatchObject({
      passed: false,
      failed_count: 1,
      sample: [{ row: 6, value: { duplicate_of_row: 1 } }],
    });
    expect(find('freshness', 'ts')).toMatchObject({ passed: true, actual: '2024-06-02T10:00:00.000Z' });
    expect(report.failed_rules).toBe(report.results.filter((r) => !r.passed).length);
  });

  it('flags stale data, unknown columns and passes a clean file', () => {
    const c = parseContract(
      `name: t\ncolumns: [{ name: ts, type: datetime }]\nrules: { freshness: { column: ts, max_age: 1h }, unknown_columns: fail }`,
    );
    const r = runChecks(table, c, { now: Date.parse('2024-06-03T00:00:00Z') });
    expect(r.results.find((x) => x.rule === 'freshness')?.passed).toBe(false);
    expect(r.results.find((x) => x.rule === 'unknown_columns')).toMatchObject({ failed_count: 5 });
    const ok = runChecks(
      parseCsv('a,b\n1,x\n2,y\n'),
      parseContract('name: ok\ncolumns: { a: { type: integer, unique: true }, b: { allowed: [x, y] } }'),
    );
    expect(ok).toMatchObject({ passed: true, failed_rules: 0 });
  });

  it('rejects malformed contracts with the path of the problem', () => {
    expect(() => parseContract('name: x\ncolumns: { a: { type: float } }')).toThrow(/columns\.a\.type/);
    expect(() => parseContract('name: x\nrules: { freshness: { column: t, max_age: soon } }')).toThrow(
      /max_age/,
    );
    expect(() => parseContract('columns: {}')).toThrow(/name/);
    expect(() => parseContract('name: x\ncolumns: { a: { regex: "(" } }')).toThrow(/regular expression/);
    expect(() => parseContract('name: x\ncolumns: { a: { regex: "(a)\\\\1" } }')).toThrow(/backreferences/);
  });

  it('runs a regex rule that backtracks catastrophically in V8 in linear time', () => {
    const contract = parseContract(
      "name: x\ncolumns: { s: { type: string, regex: '^(?:.|.|.|.|.|.|.|.|.|.)*X$' } }",
    );
    const table = parseCsv(`s\n${Array.from({ length: 20 }, () => 'a'.repeat(5000)).join('\n')}\n`);
    const t0 = performance.now();
    const r = runChecks(table, contract);
    // V8's backtracking engine needs seconds for a few dozen characters of one such value.
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r.results.find((x) => x.rule === 'regex')).toMatchObject({ passed: false, failed_count: 20 });
  });
});
