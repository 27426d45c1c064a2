// @ts-check
/** Where the guard data lives and how it is read (rows of `text`, `label`, `source`, `kind`). */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { REPO_ROOT } from './load-guards.mjs';

/**
 * The directory holding train.jsonl / extra.jsonl / dev.jsonl: $KEEL_GUARD_DATA, else
 * `shared/data/guard` beside the checkout (or beside its parent, for a worktree one level deeper).
 */
export function guardDataDir() {
  if (process.env.KEEL_GUARD_DATA) return resolve(process.env.KEEL_GUARD_DATA);
  const candidates = [
    resolve(REPO_ROOT, '..', 'shared', 'data', 'guard'),
    resolve(REPO_ROOT, '..', '..', 'shared', 'data', 'guard'),
  ];
  return candidates.find((d) => existsSync(d)) ?? /** @type {string} */ (candidates[0]);
}

/** @param {string} file @returns {Promise<Array<{ text: string, label: string, source: string, kind: string }>>} */
export async function readJsonl(file) {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}
