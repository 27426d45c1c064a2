#!/usr/bin/env node
// @ts-check
/**
 * Trains Keel's prompt-injection classifier and writes src/guards/injection/weights.ts.
 *
 *   node scripts/guards/train-injection.mjs [--data FILE] [--out FILE] [--folds 5] [--repeats 2] [--dry-run]
 *
 * Reads ONLY the training file (default ../shared/data/guard/train.jsonl from the repo root); it refuses
 * a file named dev.jsonl. Hyper-parameters were picked by cross-validation on train (see BASE); the
 * combiner (segment offset, signature weight) and both decision thresholds are chosen here by
 * stratified k-fold cross-validation on train, repeated with different fold assignments: out-of-fold
 * scores go through the real detector, signatures included. Labels: `attack` = positive; `benign` and
 * `harmful` = negative (a harmful request is not an injection).
 *
 * Two linear models over the same hashed features (src/guards/injection/features.ts):
 * - text model: whole rows (+ random crops of longer rows, same label). Indirect attacks are left out
 *   as wholes: they are ordinary documents with one planted line and would teach "e-mails are attacks".
 * - segment model: segments of benign rows (negatives); planted instructions (positives) — recovered
 *   by diffing an indirect attack against its clean twin document in train when there is one, else
 *   multiple-instance learning (the best-scoring segments of the attack, re-picked over rounds); short
 *   attack rows whole.
 * Both use NB-scaled features (NBSVM) folded back into plain weights. Training is deterministic: fixed
 * fold assignment (hash of text), seeded shuffles, no clock or Math.random.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { deflateSync } from 'node:zlib';
import { PRESETS } from './lib/config.mjs';
import { importGuard, REPO_ROOT } from './lib/load-guards.mjs';
import { summarize } from './lib/threshold.mjs';
import { createTrainer } from './lib/train-core.mjs';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(REPO_ROOT, '..', 'shared', 'data', 'guard', 'train.jsonl') },
    out: { type: 'string', default: join(REPO_ROOT, 'src', 'guards', 'injection', 'weights.ts') },
    folds: { type: 'string', default: '5' },
    repeats: { type: 'string', default: '2' },
    'dry-run': { type: 'boolean', default: false },
  },
});
if (/(^|[\\/])dev\.jsonl$/.test(String(args.data))) {
  process.stderr.write('train-injection: refusing to train on dev.jsonl\n');
  process.exit(2);
}
// The evaluation sets beside the scripts measure text the classifier never saw; training on them voids that.
if (/(^|[\\/])(external-eval|benign-instructions)\.jsonl$/.test(String(args.data))) {
  process.stderr.write(`train-injection: refusing to train on the evaluation set ${args.data}\n`);
  process.exit(2);
}

const { FEATURE_BITS } = await importGuard('injection/features.js');

/** Chosen by repeated cross-validation on train (scripts/guards/README.md); loso.mjs's `before`. */
const BASE = /** @type {import('./lib/config.mjs').Preset} */ (PRESETS.before).config;

/** Threshold limits on out-of-fold scores: stricter than the targets (≤2% benign, ≤5% per kind). */
const DIRECT_LIMITS = { benignFpr: 0.01, kindFpr: { 'trigger-words': 0.02, 'hard-negative': 0.02 } };
/** Indirect mode guards documents and tool output: documents must stay quiet. */
const INDIRECT_LIMITS = { benignFpr: 0.02, kindFpr: { document: 0.02, 'trigger-words': 0.03 } };

/** @type {import('./lib/train-core.mjs').Row[]} */
const rows = (await readFile(String(args.data), 'utf8'))
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l));
const trainer = await createTrainer(rows);
const k = Number(args.folds);
const repeats = Math.max(1, Number(args.repeats));

const t0 = performance.now();
const oofs = [];
for (let r = 0; r < repeats; r++) oofs.push(trainer.crossValidate(BASE, k, r === 0 ? '' : `repeat-${r}`));
const direct = trainer.chooseCombiner(oofs, 'direct', DIRECT_LIMITS);
const indirect = trainer.chooseCombiner(oofs, 'indirect', INDIRECT_LIMITS);
const cvDirect = summarize(rows, direct.logits, direct.threshold);
const cvIndirect = summarize(rows, indirect.logits, indirect.threshold);
process.stderr.write(
  `cv (${k} folds x ${repeats}, ${((performance.now() - t0) / 1000).toFixed(0)}s)\n  direct ${JSON.stringify(direct.combiner)} ${cvDirect}\n  indirect ${JSON.stringify(indirect.combiner)} ${cvIndirect}\n`,
);

const final = trainer.trainModels(
  rows.map((_, i) => i),
  BASE,
);
const bytes = new Int8Array(2 * final.doc.q.length);
bytes.set(final.doc.q, 0);
bytes.set(final.seg.q, final.doc.q.length);

/** @param {number} x */
const round = (x) => Math.round(x * 1e6) / 1e6;
const serialized = {
  version: 1,
  bits: FEATURE_BITS,
  bias: round(final.doc.bias),
  segBias: round(final.seg.bias),
  scale: final.doc.scale,
  segScale: final.seg.scale,
  power: BASE.power,
  segLineMin: BASE.segLineMin,
  segMin: BASE.segMin,
  segMax: BASE.segMax,
  minSegmentedLength: BASE.minSegmentedLength,
  minSegmentFeatures: BASE.minSegmentFeatures,
  combineDirect: direct.combiner,
  combineIndirect: indirect.combiner,
  threshold: round(direct.threshold),
  indirectThreshold: round(indirect.threshold),
};
const weights = deflateSync(Buffer.from(bytes.buffer), { level: 9 }).toString('base64');
const trainedOn = String(args.data).split(/[\\/]/).slice(-2).join('/');
const body = `/**
 * GENERATED by scripts/guards/train-injection.mjs — do not edit by hand; re-run the script.
 * Trained on ${trainedOn} (${rows.length} rows). Combiners and thresholds from ${k}-fold cross-validation
 * on it, repeated ${repeats}x; out-of-fold results at the chosen thresholds (last repeat):
 *   direct:   ${cvDirect}
 *   indirect: ${cvIndirect}
 */
import type { SerializedModel } from './model.js';

export const INJECTION_MODEL: SerializedModel = {
${Object.entries(serialized)
  .map(
    ([key, v]) =>
      `  ${key}: ${JSON.stringify(v)
        .replace(/"(\w+)":/g, '$1: ')
        .replace(/,(?=\w)/g, ', ')
        .replace(/^\{/, '{ ')
        .replace(/\}$/, ' }')},`,
  )
  .join('\n')}
  weights:
    '${weights}',
};
`;
if (args['dry-run']) {
  process.stderr.write(`dry run: would write ${body.length} bytes to ${args.out}\n`);
} else {
  await writeFile(String(args.out), body);
  process.stderr.write(`wrote ${args.out} (${body.length} bytes)\n`);
}
