/**
 * scripts/guards/data/external-eval.jsonl, the evaluation set from public sources the classifier was not
 * trained on: every row is well formed, its source is documented in the data README, no row is a training
 * row (the train/extra comparison is skipped, with a message, only when ../shared/data/guard is absent), and
 * the trainer refuses the file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const DATA = resolve(ROOT, 'scripts', 'guards', 'data');
const FILE = resolve(DATA, 'external-eval.jsonl');
// Same lookup as scripts/guards/lib/data.mjs.
const SHARED =
  [
    ...(process.env.KEEL_GUARD_DATA ? [resolve(process.env.KEEL_GUARD_DATA)] : []),
    resolve(ROOT, '..', 'shared', 'data', 'guard'),
    resolve(ROOT, '..', '..', 'shared', 'data', 'guard'),
  ].find((d) => existsSync(resolve(d, 'train.jsonl'))) ?? null;
if (!SHARED) console.warn('external-eval overlap check skipped: ../shared/data/guard not found');

interface Row {
  text: unknown;
  label: unknown;
  source: unknown;
  kind: unknown;
}

const norm = (s: string) => s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
const jsonl = (file: string): Row[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Row);

/** The `source` names in the README's external-set table (first column, in backticks). */
function documentedSources(): Set<string> {
  const readme = readFileSync(resolve(DATA, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('# External evaluation set'));
  const out = new Set<string>();
  for (const line of section.split('\n')) {
    const first = /^\|\s*([^|]+)\|/.exec(line)?.[1] ?? '';
    for (const m of first.matchAll(/`([a-z0-9.-]+\/[a-z0-9.-]+)`/g)) out.add(m[1] as string);
  }
  return out;
}

describe('external evaluation set', () => {
  const rows = jsonl(FILE);

  it('has well-formed rows from documented sources, attacks and benign rows from several of each', () => {
    const sources = documentedSources();
    const byLabel: Record<string, Set<string>> = { attack: new Set(), benign: new Set() };
    for (const row of rows) {
      expect(typeof row.text === 'string' && row.text.trim().length > 0).toBe(true);
      expect(['attack', 'benign']).toContain(row.label);
      expect(typeof row.kind).toBe('string');
      expect(sources).toContain(row.source);
      byLabel[row.label as string]?.add(row.source as string);
    }
    expect(byLabel.attack?.size).toBeGreaterThanOrEqual(3);
    expect(byLabel.benign?.size).toBeGreaterThanOrEqual(2);
    expect(new Set(rows.map((r) => norm(r.text as string))).size).toBe(rows.length);
  });

  it.skipIf(!SHARED)('shares no row with train.jsonl or extra.jsonl', () => {
    const training = new Set<string>();
    for (const name of ['train.jsonl', 'extra.jsonl'])
      for (const row of jsonl(resolve(SHARED as string, name))) training.add(norm(row.text as string));
    const shared = rows.filter((r) => training.has(norm(r.text as string)));
    expect(shared.map((r) => r.text)).toEqual([]);
  });

  it('is refused by the training script', () => {
    const r = spawnSync(
      process.execPath,
      ['scripts/guards/train-injection.mjs', '--data', FILE, '--dry-run'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 10_000,
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/refusing to train on the evaluation set/);
  });
});
