// @ts-check
/**
 * The near-duplicate rule the evaluation-set builders share with the shared guard corpora: two texts
 * are the same when equal after NFKC + lower case + whitespace collapse, or when their word 8-grams have
 * Jaccard ≥ 0.6, or one holds ≥ 80 % of the other's 8-grams (character 8-grams for Chinese and Japanese,
 * which have no spaces).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** @param {string} s */
export const norm = (s) => s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();

/** @param {string} s @returns {Set<string>} */
export function grams(s) {
  const n = norm(s);
  const units = /[\u3000-\u9fff]/.test(n) ? [...n.replace(/\s/g, '')] : n.split(' ');
  const out = new Set();
  for (let i = 0; i + 8 <= units.length; i++) out.add(units.slice(i, i + 8).join(' '));
  return out;
}

/**
 * Indexes the `text` of every row of the given JSONL files and returns a predicate telling whether a
 * text duplicates or nearly duplicates one of them.
 * @param {string[]} files
 * @returns {(text: string) => boolean}
 */
export function nearDuplicateOf(files) {
  /** @type {Set<string>} */
  const exact = new Set();
  /** @type {Map<string, number[]>} */
  const index = new Map();
  /** @type {number[]} */
  const sizes = [];
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const { text } = JSON.parse(line);
      exact.add(norm(text));
      const id = sizes.length;
      const g = grams(text);
      sizes.push(g.size);
      for (const k of g) {
        const list = index.get(k);
        if (list) list.push(id);
        else index.set(k, [id]);
      }
    }
  }
  return (text) => {
    if (exact.has(norm(text))) return true;
    const g = grams(text);
    if (g.size === 0) return false;
    /** @type {Map<number, number>} */
    const overlap = new Map();
    for (const k of g) for (const id of index.get(k) ?? []) overlap.set(id, (overlap.get(id) ?? 0) + 1);
    for (const [id, inter] of overlap) {
      const other = /** @type {number} */ (sizes[id]);
      if (inter / (g.size + other - inter) >= 0.6 || inter / Math.min(g.size, other) >= 0.8) return true;
    }
    return false;
  };
}

/**
 * The rows an evaluation set keeps, in input order: empty texts, exact repeats inside the set and near
 * duplicates of the shared corpora (train, extra, dev in `sharedDir`) are dropped, counted per `group`.
 * @template {{ text: string }} T
 * @param {T[]} rows
 * @param {string} sharedDir
 * @param {(row: T) => string} group
 */
export function keepUnseen(rows, sharedDir, group) {
  const nearShared = nearDuplicateOf(
    ['train', 'extra', 'dev'].map((name) => join(sharedDir, `${name}.jsonl`)),
  );
  const seen = new Set();
  /** @type {Record<string, { kept: number, duplicate: number, nearShared: number }>} */
  const stats = {};
  /** @type {T[]} */
  const kept = [];
  for (const row of rows) {
    const g = group(row);
    stats[g] ??= { kept: 0, duplicate: 0, nearShared: 0 };
    const s = stats[g];
    const key = norm(row.text);
    if (!key || seen.has(key)) {
      s.duplicate++;
      continue;
    }
    seen.add(key);
    if (nearShared(row.text)) {
      s.nearShared++;
      continue;
    }
    s.kept++;
    kept.push(row);
  }
  return { kept, stats };
}
