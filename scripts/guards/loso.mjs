#!/usr/bin/env node
// @ts-check
/**
 * Leave-one-source-out evaluation of the injection classifier (`npm run eval:guards`):
 *
 *   node scripts/guards/loso.mjs [--data FILE ...] [--families a,b] [--folds K] [--preset NAME]
 *                                [--per-source N] [--json] [--out FILE.md]
 *
 * Default data: train.jsonl + extra.jsonl of the guard data directory (lib/data.mjs) plus Keel's
 * template-generated benign instructions (lib/benign-instructions.mjs). Families and sources:
 * lib/sources.mjs; method: lib/loso-core.mjs. `--preset` is a recipe of lib/config.mjs (default: the shipped one,
 * SHIPPED_PRESET; `before` is the issue-4 recipe); `--folds K` deals the families into K folds (each family still held out whole,
 * with others: cheaper and stricter); `--families` runs only the folds holding those families;
 * `--threshold-on training|out-of-family`: where each fold's threshold is chosen (lib/loso-core.mjs).
 * `--scores-out F` saves the held-out logits and fold thresholds; `--scores-in F ...` merges saved shards (runs with
 * different `--families`, same data and preset) and reports without training. `--per-source N` keeps the first N rows of every source (a quick smoke run).
 * Deterministic: the same data gives the same table. dev.jsonl is never read here.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { attackTemplateRows } from './lib/attack-templates.mjs';
import { benignInstructionRows } from './lib/benign-instructions.mjs';
import { PRESETS, SHIPPED_PRESET } from './lib/config.mjs';
import { guardDataDir, readJsonl } from './lib/data.mjs';
import { formatLoso, leaveOneSourceOut } from './lib/loso-core.mjs';
import { createTrainer } from './lib/train-core.mjs';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', multiple: true },
    families: { type: 'string' },
    folds: { type: 'string' },
    preset: { type: 'string', default: SHIPPED_PRESET },
    'per-source': { type: 'string' },
    json: { type: 'boolean', default: false },
    out: { type: 'string' },
    'scores-out': { type: 'string' },
    'threshold-on': { type: 'string', default: 'training' },
    'scores-in': { type: 'string', multiple: true },
  },
});
const preset = PRESETS[String(args.preset)];
if (!preset) {
  process.stderr.write(`loso: unknown preset ${args.preset} (${Object.keys(PRESETS).join(', ')})\n`);
  process.exit(2);
}
const files = args.data ?? [join(guardDataDir(), 'train.jsonl'), join(guardDataDir(), 'extra.jsonl')];
if (files.some((f) => /(^|[\\/])dev\.jsonl$/.test(f))) {
  process.stderr.write('loso: refusing dev.jsonl\n');
  process.exit(2);
}
let rows = (await Promise.all(files.map(readJsonl))).flat();
if (!args.data && preset.benignInstructions) rows.push(...benignInstructionRows());
if (!args.data && preset.attackTemplates) rows.push(...attackTemplateRows(preset.attackTemplates));
if (args['per-source']) {
  const cap = Number(args['per-source']);
  /** @type {Map<string, number>} */
  const seen = new Map();
  rows = rows.filter((r) => {
    const k = `${r.source}/${r.label}`;
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    return n <= cap;
  });
}

const t0 = performance.now();
const trainer = args['scores-in'] ? null : await createTrainer(rows);
const scores = args['scores-in']
  ? await Promise.all(args['scores-in'].map(async (f) => JSON.parse(await readFile(f, 'utf8'))))
  : undefined;
const result = leaveOneSourceOut({
  rows,
  scores,
  thresholdOn: args['threshold-on'] === 'out-of-family' ? 'out-of-family' : 'training',
  families: args.families?.split(','),
  folds: args.folds ? Number(args.folds) : undefined,
  train: (idx, held) => {
    if (!trainer) throw new Error('no trainer when merging saved scores');
    return trainer.createInjectionDetector(
      trainer.runtimeModel(trainer.trainModels(idx, preset.config, held), preset.config, preset.combine),
    );
  },
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stderr.write(`loso: ${rows.length} rows, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
const table = formatLoso(result);
if (args.out) await writeFile(String(args.out), table);
if (args['scores-out']) await writeFile(String(args['scores-out']), JSON.stringify(result.scores));
process.stdout.write(
  args.json
    ? `${JSON.stringify({ ...result, scores: undefined, sources: result.sources.map((s) => ({ ...s, modes: [...s.modes] })) }, null, 2)}\n`
    : table,
);
