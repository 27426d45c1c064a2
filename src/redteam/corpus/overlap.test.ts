/**
 * The corpus is not the detector's training data: no attack text of the suite may appear in the guard
 * classifier's training files (../shared/data/guard/train.jsonl and extra.jsonl, found like
 * src/guards/injection/dev.test.ts finds dev.jsonl, and the rows of
 * scripts/guards/lib/benign-instructions.mjs and scripts/guards/lib/attack-templates.mjs). Texts are compared normalised (NFKC, lower case,
 * whitespace collapsed) as word 8-gram shingles: no message of an attack probe may share half or more
 * of its 8-grams with any one training row, and none may equal a row.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildProbes } from './index.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const DATA_DIRS = process.env.KEEL_GUARD_DATA
  ? [resolve(process.env.KEEL_GUARD_DATA)]
  : [
      resolve(REPO_ROOT, '..', 'shared', 'data', 'guard'),
      resolve(REPO_ROOT, '..', '..', 'shared', 'data', 'guard'),
    ];
const DATA_DIR = DATA_DIRS.find((d) => existsSync(resolve(d, 'train.jsonl')));
if (!DATA_DIR) console.warn('corpus overlap: train.jsonl not found, checking the Keel-generated rows only');

const N = 8;
const SEEDS = [1, 2];
const SAMPLES = 125;

function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Two 32-bit FNV-1a variants folded into one safe integer: collisions are negligible at this size. */
function shingleHash(words: readonly string[], from: number): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let k = from; k < from + N; k++) {
    const w = words[k] as string;
    for (let i = 0; i < w.length; i++) {
      const c = w.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    a = Math.imul(a ^ 32, 0x01000193);
    b = Math.imul(b ^ 32, 0x5bd1e995);
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

function shingles(normalised: string): Set<number> {
  const words = normalised.split(' ');
  const out = new Set<number>();
  for (let i = 0; i + N <= words.length; i++) out.add(shingleHash(words, i));
  return out;
}

async function trainingTexts(): Promise<string[]> {
  const texts: string[] = [];
  if (DATA_DIR)
    for (const file of ['train.jsonl', 'extra.jsonl']) {
      const path = resolve(DATA_DIR, file);
      if (!existsSync(path)) continue;
      for (const line of readFileSync(path, 'utf8').split('\n'))
        if (line.trim()) texts.push((JSON.parse(line) as { text: string }).text);
    }
  const lib = (await import(
    pathToFileURL(resolve(REPO_ROOT, 'scripts', 'guards', 'lib', 'benign-instructions.mjs')).href
  )) as { benignInstructionRows: () => Array<{ text: string }> };
  for (const row of lib.benignInstructionRows()) texts.push(row.text);
  const templates = (await import(
    pathToFileURL(resolve(REPO_ROOT, 'scripts', 'guards', 'lib', 'attack-templates.mjs')).href
  )) as { attackTemplateRows: () => Array<{ text: string }> };
  for (const row of templates.attackTemplateRows()) texts.push(row.text);
  return texts;
}

interface Index {
  rows: string[];
  exact: Set<string>;
  /** shingle → the one row that has it, or -1 when several do (then listed in `shared`). */
  first: Map<number, number>;
  shared: Map<number, number[]>;
}

function buildIndex(rows: string[]): Index {
  const idx: Index = { rows, exact: new Set(), first: new Map(), shared: new Map() };
  rows.forEach((text, row) => {
    const norm = normalise(text);
    idx.exact.add(norm);
    for (const h of shingles(norm)) {
      const at = idx.first.get(h);
      if (at === undefined) idx.first.set(h, row);
      else if (at !== row) {
        if (at >= 0) idx.shared.set(h, [at]);
        idx.first.set(h, -1);
        (idx.shared.get(h) as number[]).push(row);
      }
    }
  });
  return idx;
}

/** Why `text` counts as training data ('' when it does not). */
function overlap(idx: Index, text: string): string {
  const norm = normalise(text);
  if (idx.exact.has(norm)) return 'equals a training row';
  const own = shingles(norm);
  const hits = new Map<number, number>();
  for (const h of own) {
    const at = idx.first.get(h);
    if (at === undefined) continue;
    for (const row of at >= 0 ? [at] : (idx.shared.get(h) as number[]))
      hits.set(row, (hits.get(row) ?? 0) + 1);
  }
  for (const [row, n] of hits)
    if (n / own.size >= 0.5) return `${n}/${own.size} 8-grams of training row ${row}`;
  return '';
}

describe('red-team corpus against the guard training data', async () => {
  const idx = buildIndex(await trainingTexts());

  it('would notice a training row, copied or lightly edited', () => {
    const long = idx.rows.find((r) => r.split(/\s+/).length > 40) as string;
    expect(overlap(idx, long)).not.toBe('');
    expect(overlap(idx, `Please help. ${long.toUpperCase()} Thanks!`)).not.toBe('');
    expect(
      overlap(idx, 'An ordinary sentence written for this test and for nothing else at all, truly.'),
    ).toBe('');
  });

  it('shares no attack text with any training row', () => {
    expect(idx.rows.length).toBeGreaterThan(100);
    const offenders: string[] = [];
    let checked = 0;
    for (const seed of SEEDS)
      for (const probe of buildProbes({ seed, samples: SAMPLES })) {
        if (probe.kind !== 'attack') continue;
        for (const m of probe.request.messages) {
          if (m.role === 'system' || !m.content) continue;
          checked++;
          const why = overlap(idx, m.content);
          if (why) offenders.push(`${probe.id}: ${why}`);
        }
      }
    expect(checked).toBeGreaterThan(2000);
    expect(offenders).toEqual([]);
  });
});
