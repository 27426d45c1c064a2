/**
 * Trains Keel's prompt-injection classifier and writes src/guards/injection/weights.ts.
 *
 *   node scripts/guards/train-injection.mjs [--data FILE ...] [--out FILE] [--threshold-on training|cv]
 *                                           [--folds 5] [--oof SCORES ...] [--dry-run]
 *
 * Reads train.jsonl + extra.jsonl of the guard data directory (lib/data.mjs; `--data` to choose
 * files) plus Keel's template-generated benign instructions (lib/benign-instructions.mjs); it refuses
 * a file named dev.jsonl. Hyper-parameters and combiners: the `shipped` preset of lib/config.mjs.
 * Thresholds (default `--threshold-on training`): on the final model's scores of its own training
 * rows, by the rule below — the recipe whose held-out behaviour `loso.mjs` measures, one model per
 * held-out family. `--threshold-on cv` instead chooses the combiner (segment offset, signature weight)
 * and thresholds on out-of-fold scores through the real detector, with folds grouped by *family* (lib/sources.mjs:
 * a source, its translations and its clean twins are held out together), so the thresholds are those
 * of sources the model has not seen; `--oof` takes them from saved `loso.mjs --scores-out` files instead
 * (same rows and preset) rather than training the folds again. Threshold rule (lib/loso-core.mjs): the lowest logit holding every
 * benign source's FPR ≤ 2 % (sources under 50 rows pooled) and all benign rows ≤ 1 %, in both modes;
 * the combiner maximises the mean per-source attack recall at it. Labels: `attack` = positive;
 * `benign` and `harmful` = negative (a harmful request is not an injection).
 *
 * Two linear models over the same hashed features (src/guards/injection/features.ts):
 * - text model: whole rows (+ random crops of longer rows, same label). Indirect attacks are left out
 *   as wholes: they are ordinary documents with one planted line and would teach "e-mails are attacks".
 * - segment model: segments of benign rows (negatives; a sample of at most `maxNegSegments` per
 *   row); planted instructions (positives) — recovered by diffing an indirect attack against its
 *   clean twin document when there is one, else multiple-instance learning (the best-scoring segments
 *   of the attack, re-picked over rounds); short attack rows whole.
 * Both use NB-scaled features (NBSVM) folded back into plain weights. Training is deterministic: fixed
 * fold assignment, seeded shuffles, no clock or Math.random.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deflateSync } from 'node:zlib';
import { benignInstructionRows } from './lib/benign-instructions.mjs';
import { PRESETS } from './lib/config.mjs';
import { guardDataDir, readJsonl } from './lib/data.mjs';
import { importGuard, REPO_ROOT } from './lib/load-guards.mjs';
import { assignFolds, DEFAULT_LIMITS, pickThresholdBySource } from './lib/loso-core.mjs';
import { familyOf, sharedFamiliesOf } from './lib/sources.mjs';
import { summarize } from './lib/threshold.mjs';
import { createTrainer } from './lib/train-core.mjs';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', multiple: true },
    out: { type: 'string', default: join(REPO_ROOT, 'src', 'guards', 'injection', 'weights.ts') },
    folds: { type: 'string', default: '5' },
    oof: { type: 'string', multiple: true },
    'threshold-on': { type: 'string', default: 'training' },
    'dry-run': { type: 'boolean', default: false },
  },
});
const files = args.data ?? [join(guardDataDir(), 'train.jsonl'), join(guardDataDir(), 'extra.jsonl')];
if (files.some((f) => /(^|[\\/])dev\.jsonl$/.test(f))) {
  process.stderr.write('train-injection: refusing to train on dev.jsonl\n');
  process.exit(2);
}

const { FEATURE_BITS } = await importGuard('injection/features.js');
const preset = /** @type {import('./lib/config.mjs').Preset} */ (PRESETS.shipped);
const BASE = preset.config;

/** @type {import('./lib/train-core.mjs').Row[]} */
const rows = (await Promise.all(files.map(readJsonl))).flat();
const fileRows = rows.length;
if (!args.data && preset.benignInstructions) rows.push(...benignInstructionRows());
const trainer = await createTrainer(rows);
const k = Number(args.folds);

const t0 = performance.now();
const families = rows.map((r) => familyOf(r));
const foldOf = assignFolds(
  families,
  rows.map((r) => r.label !== 'harmful'),
  k,
);
const foldNames = [...new Set(foldOf.values())].sort();
const fold = families.map((f) => {
  const name = foldOf.get(f);
  return name === undefined ? -1 : foldNames.indexOf(name);
});
/** @param {import('./lib/train-core.mjs').Row[]} rs @param {Float64Array} logits */
const pick = (rs, logits) =>
  pickThresholdBySource(rs, logits, (i) => !Number.isNaN(logits[i]), DEFAULT_LIMITS);
/** @type {{ combiner: { segOffset: number, sigWeight: number }, threshold: number, recall: number, logits: Float64Array }} */
let direct;
/** @type {typeof direct} */
let indirect;
const final = trainer.trainModels(
  rows.map((_, i) => i),
  BASE,
);
const bytes = new Int8Array(2 * final.doc.q.length);
bytes.set(final.doc.q, 0);
bytes.set(final.seg.q, final.doc.q.length);

let how;
if (args['threshold-on'] === 'training') {
  // The recipe the leave-one-source-out table measures (loso.mjs, default): thresholds on the final
  // model's scores of its own training rows, with the preset's combiners.
  const det = trainer.createInjectionDetector(trainer.runtimeModel(final, BASE, preset.combine));
  /** @param {'direct' | 'indirect'} mode */
  const own = (mode) => {
    const logits = Float64Array.from(rows, (r) => det.analyze(r.text, mode === 'indirect').logit);
    const threshold = pick(rows, logits);
    return {
      combiner: preset.combine[mode],
      threshold,
      recall: trainer.meanSourceRecall(logits, threshold),
      logits,
    };
  };
  direct = own('direct');
  indirect = own('indirect');
  how = "the model's scores of its training rows (every benign source ≤ 2 %; held-out numbers: loso.mjs)";
} else if (args.oof) {
  // Out-of-family logits saved by `loso.mjs --preset shipped --scores-out` over the same rows: the
  // combiners are the preset's, the thresholds follow the same rule.
  const saved = await Promise.all(args.oof.map(async (f) => JSON.parse(await readFile(f, 'utf8'))));
  /** @param {'direct' | 'indirect'} mode */
  const merged = (mode) => {
    const out = new Float64Array(rows.length).fill(Number.NaN);
    for (const sv of saved) {
      if (sv[mode].length !== rows.length) throw new Error(`${mode} scores are for other rows`);
      sv[mode].forEach((/** @type {number | null} */ v, /** @type {number} */ i) => {
        if (v !== null) out[i] = v;
      });
    }
    const threshold = pick(rows, out);
    return {
      combiner: preset.combine[mode],
      threshold,
      recall: trainer.meanSourceRecall(out, threshold),
      logits: out,
    };
  };
  direct = merged('direct');
  indirect = merged('indirect');
  how = `the out-of-family scores of loso.mjs (${args.oof.length} shard files; combiners of the preset)`;
} else {
  const shared = rows.map((r) => sharedFamiliesOf(r).map((g) => foldNames.indexOf(foldOf.get(g) ?? '')));
  const oofs = [
    trainer.crossValidateFolds(BASE, fold, foldNames.length, (i, f) => shared[i]?.includes(f) ?? false),
  ];
  direct = trainer.chooseCombiner(oofs, 'direct', DEFAULT_LIMITS, pick);
  indirect = trainer.chooseCombiner(oofs, 'indirect', DEFAULT_LIMITS, pick);
  how = `${foldNames.length}-fold cross-validation grouped by source family`;
}
const scored = (/** @type {number} */ i) => !Number.isNaN(direct.logits[i]);
const counted = rows.filter((_, i) => scored(i));
const only = (/** @type {Float64Array} */ l) => l.filter((_, i) => scored(i));
const cvDirect = summarize(counted, only(direct.logits), direct.threshold);
const cvIndirect = summarize(counted, only(indirect.logits), indirect.threshold);
process.stderr.write(
  `thresholds from ${how}, ${((performance.now() - t0) / 1000).toFixed(0)}s\n  direct ${JSON.stringify(direct.combiner)} mean source recall ${direct.recall.toFixed(3)} ${cvDirect}\n  indirect ${JSON.stringify(indirect.combiner)} mean source recall ${indirect.recall.toFixed(3)} ${cvIndirect}\n`,
);

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
const trainedOn = files.map((f) => f.split(/[\\/]/).slice(-2).join('/')).join(' + ');
const extraRows = rows.length - fileRows;
const body = `/**
 * GENERATED by scripts/guards/train-injection.mjs — do not edit by hand; re-run the script.
 * Trained on ${trainedOn}${extraRows > 0 ? ` + ${extraRows} template benign instructions` : ''} (${rows.length} rows).
 * Model: 2 × 2^${FEATURE_BITS} int8 weights (text model + segment model, ${2 * 2 ** FEATURE_BITS} parameters, ${(weights.length / 1024).toFixed(0)} KB as
 * deflated base64). Combiners and thresholds from ${how};
 * ${args['threshold-on'] === 'training' ? 'in-sample (training-row)' : 'out-of-family'} results at the chosen thresholds (mean per-source recall ${direct.recall.toFixed(3)} direct, ${indirect.recall.toFixed(3)} indirect):
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
