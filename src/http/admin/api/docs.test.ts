import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { declaredRoutes } from './index.js';

const START =
  '<!-- admin-routes:start (generated from the route declarations; src/http/admin/api/docs.test.ts) -->';
const END = '<!-- admin-routes:end -->';

/** The docs' route table as the declarations give it: one row per route, in mounting order. */
function renderTable(): string {
  const rows = declaredRoutes().map(
    (r) => `| ${r.group} | \`${r.method} /api${r.path}\` | ${r.role} | ${r.summary} |`,
  );
  return ['| group | route | least role | what it does |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function cells(table: string): string[][] {
  return table
    .trim()
    .split('\n')
    .map((row) =>
      row
        .split('|')
        .slice(1, -1)
        .map((c) => (/^\s*-+\s*$/.test(c) ? '---' : c.trim())),
    );
}

describe('docs/api.md', () => {
  it('lists exactly the declared admin routes with their least role', () => {
    const doc = readFileSync(new URL('../../../../docs/api.md', import.meta.url), 'utf8');
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    expect(start, `docs/api.md needs the ${START} marker`).toBeGreaterThanOrEqual(0);
    // Cells compared trimmed: the formatter pads the columns. On failure, paste the expected
    // table between the markers and run the formatter.
    expect(cells(doc.slice(start + START.length, end))).toEqual(cells(renderTable()));
  });

  it('declares each method and path once', () => {
    const seen = declaredRoutes().map((r) => `${r.method} ${r.path}`);
    expect(new Set(seen).size).toBe(seen.length);
  });
});
