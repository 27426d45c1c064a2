#!/usr/bin/env node
// @ts-check
/**
 * Builds scripts/guards/data/benign-instructions.jsonl, the benign instruction-following evaluation set,
 * from checked-out copies of two public repositories (commits pinned in README.md beside this file):
 *
 *   node scripts/guards/data/build-benign-instructions.mjs \
 *     --followbench DIR --llmbar DIR [--shared ../shared/data/guard] [--out FILE]
 *
 * Deterministic: no randomness, input order kept, the Chinese subset chosen by a content hash. Rows that
 * duplicate or nearly duplicate a row of the shared guard corpora (train, extra, dev) are dropped so the
 * set measures prompts the detector was not fitted on.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { keepUnseen } from './near-duplicates.mjs';

const { values } = parseArgs({
  options: {
    followbench: { type: 'string' },
    llmbar: { type: 'string' },
    shared: { type: 'string', default: '../shared/data/guard' },
    out: { type: 'string', default: 'scripts/guards/data/benign-instructions.jsonl' },
  },
});
if (!values.followbench || !values.llmbar) {
  process.stderr.write(
    'usage: build-benign-instructions.mjs --followbench DIR --llmbar DIR [--shared DIR]\n',
  );
  process.exit(2);
}

/** @param {string} file */
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

// FollowBench: every English instruction of the five constraint categories a user writes in their own
// turn. "example" is left out: its rows are few-shot transcripts, not one user's instruction.
const FB_CATEGORIES = ['format', 'style', 'situation', 'content', 'mixed'];
// The Chinese files translate the English ones; a hash-chosen third of format and style adds another
// language without repeating every English row.
const FB_ZH_CATEGORIES = ['format', 'style'];
const ZH_KEEP_MOD = 3;

/** @type {{text: string, source: string}[]} */
const candidates = [];
for (const cat of FB_CATEGORIES) {
  for (const row of readJson(join(values.followbench, 'data', `${cat}_constraints.json`)))
    candidates.push({ text: row.instruction, source: `followbench/${cat}` });
}
for (const cat of FB_ZH_CATEGORIES) {
  for (const row of readJson(join(values.followbench, 'data_zh', `${cat}_constraints.json`))) {
    const h = createHash('sha256').update(row.instruction).digest();
    if (h.readUInt32BE(0) % ZH_KEEP_MOD === 0)
      candidates.push({ text: row.instruction, source: `followbench-zh/${cat}` });
  }
}
// LLMBar: the constraint case study (explicit output rules such as fixed words at fixed positions) and
// the natural set (ordinary user requests, many with a length or format requirement).
for (const [dir, source] of [
  ['Dataset/CaseStudy/Constraint', 'llmbar/constraint'],
  ['Dataset/LLMBar/Natural', 'llmbar/natural'],
]) {
  for (const row of readJson(join(values.llmbar, dir, 'dataset.json')))
    candidates.push({ text: row.input, source });
}

const { kept, stats } = keepUnseen(
  candidates.map((c) => ({ ...c, text: c.text.trim() })),
  values.shared,
  (c) => c.source,
);
const out = kept.map(({ text, source }) =>
  JSON.stringify({ text, label: 'benign', source, kind: 'instruction' }),
);
writeFileSync(values.out, `${out.join('\n')}\n`);
for (const [source, s] of Object.entries(stats))
  process.stdout.write(
    `${source.padEnd(24)} kept ${String(s.kept).padStart(4)}  dropped ${s.duplicate + s.nearShared}\n`,
  );
process.stdout.write(`${out.length} rows -> ${values.out}\n`);
