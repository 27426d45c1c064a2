#!/usr/bin/env node
// @ts-check
/**
 * Trains Keel's prompt-injection classifier and writes src/guards/injection/weights.ts.
 *
 *   node scripts/guards/train-injection.mjs [--data FILE ...] [--preset NAME] [--out FILE] [--folds 5]
 *                                           [--repeats 2] [--dry-run]
 *
 * Default data: train.jsonl + extra.jsonl of the guard data directory (lib/data.mjs), plus Keel's
 * template benign instructions (lib/benign-instructions.mjs) when the preset asks for them. It refuses
 * dev.jsonl, anything under a `heldout` directory and the benign-instruction evaluation set
 * (scripts/guards/data/benign-instructions.jsonl): those are for evaluation only. The recipe is a
 * preset of lib/config.mjs (default SHIPPED_PRESET, chosen by leave-one-source-out evaluation,
 * loso.mjs); the combiner (segment offset, signature weight) and both decision thresholds are chosen
 * here by stratified k-fold cross-validation, repeated with different fold assignments: out-of-fold
 * scores go through the real detector, signatures included, and each threshold is the lowest that
 * keeps every benign source's out-of-fold FPR within the limits (loso-core.mjs
 * `pickThresholdBySource`). Labels: `attack` = positive; `benign` and `harmful` = negative (a harmful
 * request is not an injection; unconstrained).
 *
 * Two linear models over the same hashed features (src/guards/injection/features.ts):
 * - text model: whole rows (+ random crops of longer rows, same label). Indirect attacks are left out
 *   as wholes: they are ordinary documents with one planted line and would teach "e-mails are attacks".
 * - segment model: segments of benign rows (negatives); planted instructions (positives) — recovered
 *   by diffing an indirect attack against its clean twin document when there is one, else
 *   multiple-instance learning (the best-scoring segments of the attack, re-picked over rounds); short
 *   attack rows whole.
 * Both use NB-scaled features (NBSVM) folded back into plain weights. Training is deterministic: fixed
 * fold assignment (hash of text), seeded shuffles, no clock or Math.random.
 */
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { deflateSync } from 'node:zlib';
import { attackTemplateRows } from './lib/attack-templates.mjs';
import { benignInstructionRows } from './lib/benign-instructions.mjs';
import { PRESETS, SHIPPED_PRESET } from './lib/config.mjs';
import { guardDataDir, readJsonl } from './lib/data.mjs';
import { importGuard, REPO_ROOT } from './lib/load-guards.mjs';
import { DEFAULT_LIMITS } from './lib/loso-core.mjs';
import { summarize } from './lib/threshold.mjs';
import { createTrainer } from './lib/train-core.mjs';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', multiple: true },
    preset: { type: 'string', default: SHIPPED_PRESET },
    out: { type: 'string', default: join(REPO_ROOT, 'src', 'guards', 'injection', 'weights.ts') },
    folds: { type: 'string', default: '5' },
    repeats: { type: 'string', default: '2' },
    'dry-run': { type: 'boolean', default: false },
  },
});
const files = args.data ?? [join(guardDataDir(), 'train.jsonl'), join(guardDataDir(), 'extra.jsonl')];
const refused = files.find(isEvaluationOnly);
if (refused) {
  process.stderr.write(`train-injection: refusing ${refused} (evaluation only)\n`);
  process.exit(2);
}
const preset = PRESETS[String(args.preset)];
if (!preset) {
  process.stderr.write(
    `train-injection: unknown preset ${args.preset} (${Object.keys(PRESETS).join(', ')})\n`,
  );
  process.exit(2);
}
// The evaluation sets beside the scripts measure text the classifier never saw; training on them voids that.
if (/(^|[\\/])(external-eval|benign-instructions)\.jsonl$/.test(String(args.data))) {
  process.stderr.write(`train-injection: refusing to train on the evaluation set ${args.data}\n`);
  process.exit(2);
}

/** dev.jsonl, the sealed held-out set and the benign-instruction evaluation set. @param {string} f */
function isEvaluationOnly(f) {
  return (
    /(^|[\\/])dev\.jsonl$/.test(f) ||
    /(^|[\\/])heldout([\\/]|$)/.test(f) ||
    /(^|[\\/])benign-instructions\.jsonl$/.test(f)
  );
}

const { FEATURE_BITS } = await importGuard('injection/features.js');
const BASE = preset.config;

/** @type {import('./lib/train-core.mjs').Row[]} */
const rows = (await Promise.all(files.map(readJsonl))).flat();
if (preset.benignInstructions) rows.push(...benignInstructionRows());
if (preset.attackTemplates) rows.push(...attackTemplateRows(preset.attackTemplates));
const trainer = await createTrainer(rows);
const k = Number(args.folds);
const repeats = Math.max(1, Number(args.repeats));

const t0 = performance.now();
const oofs = [];
for (let r = 0; r < repeats; r++) oofs.push(trainer.crossValidate(BASE, k, r === 0 ? '' : `repeat-${r}`));
// The same limits as the leave-one-source-out thresholds: every benign source ≤ 2 %, all benign ≤ 1 %.
/** The request model's terms come from the preset; the search covers segment offset and signature weight. @param {'direct' | 'indirect'} mode */
const fixedTerms = (mode) => {
  const { harmWeight, harmOffset } = preset.combine[mode];
  return harmWeight === undefined ? {} : { harmWeight, harmOffset };
};
const direct = trainer.chooseCombiner(oofs, 'direct', DEFAULT_LIMITS, fixedTerms('direct'));
const indirect = trainer.chooseCombiner(oofs, 'indirect', DEFAULT_LIMITS, fixedTerms('indirect'));
const cvDirect = summarize(rows, direct.logits, direct.threshold);
const cvIndirect = summarize(rows, indirect.logits, indirect.threshold);
process.stderr.write(
  `cv (${k} folds x ${repeats}, ${((performance.now() - t0) / 1000).toFixed(0)}s)\n  direct ${JSON.stringify(direct.combiner)} ${cvDirect}\n  indirect ${JSON.stringify(indirect.combiner)} ${cvIndirect}\n`,
);

const final = trainer.trainModels(
  rows.map((_, i) => i),
  BASE,
);
const bytes = new Int8Array((final.harm ? 3 : 2) * final.doc.q.length);
bytes.set(final.doc.q, 0);
bytes.set(final.seg.q, final.doc.q.length);
if (final.harm) bytes.set(final.harm.q, 2 * final.doc.q.length);

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
  ...(final.harm ? { harmBias: round(final.harm.bias), harmScale: final.harm.scale } : {}),
};
const weights = deflateSync(Buffer.from(bytes.buffer), { level: 9 }).toString('base64');
const trainedOn = [
  ...files.map((f) => basename(f)),
  ...(preset.benignInstructions ? ['keel/benign-instructions'] : []),
  ...(preset.attackTemplates ? ['keel/attack-templates'] : []),
].join(' + ');
const body = `/**
 * GENERATED by scripts/guards/train-injection.mjs — do not edit by hand; re-run the script.
 * Preset ${args.preset}, trained on ${trainedOn} (${rows.length} rows). Combiners and thresholds from
 * ${k}-fold cross-validation on them, repeated ${repeats}x, each benign source's out-of-fold FPR ≤
 * ${DEFAULT_LIMITS.sourceRate * 100} % and all benign ≤ ${DEFAULT_LIMITS.overallRate * 100} %; out-of-fold results at the chosen thresholds (last repeat):
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
