// @ts-check
/**
 * Training configurations of the injection classifier, evaluated by loso.mjs: `before` is the issue-4
 * recipe (the model committed before issue 15, trained on train.jsonl only); `candidate` the issue-15
 * recipe over train + extra + Keel's template benign instructions. SHIPPED_PRESET is the one
 * train-injection.mjs trains the committed model with (bench/RESULTS.md compares them).
 */

/** @typedef {import('./train-core.mjs').Config} Config */
/** @typedef {{ segOffset: number, sigWeight: number, harmWeight?: number, harmOffset?: number }} Combiner */
/** @typedef {{ config: Config, combine: { direct: Combiner, indirect: Combiner }, benignInstructions: boolean, attackTemplates?: { harmfulFrames: boolean, benignPersonas?: boolean } }} Preset */

/** The issue-4 configuration (trained on train.jsonl only). */
const BEFORE = /** @type {Config} */ ({
  power: 0.5,
  segLineMin: 10,
  segMin: 40,
  segMax: 400,
  minSegmentedLength: 200,
  minSegmentFeatures: 30,
  l2: 1e-4,
  lr: 0.2,
  epochs: 8,
  nb: 5,
  crops: 2,
  cropWeight: 0.5,
  milRounds: 2,
  posSegments: 1,
  indirectDocWeight: 0,
  shortNegWeight: 0,
});

/**
 * Trained on train.jsonl + extra.jsonl + Keel's benign instructions (≈ 11,000 rows, 7× the old set):
 * fewer passes suffice, long documents contribute a sample of their segments, and rows are weighted
 * by source size (`sourcePower`) so that no single collection defines "attack" or "benign".
 */
const CANDIDATE = /** @type {Config} */ ({
  ...BEFORE,
  epochs: 4,
  milRounds: 1,
  crops: 1,
  maxNegSegments: 8,
  sourcePower: 0.5,
});

/**
 * `candidate` as plain logistic regressions (no NB scaling) with 10× the L2: NB scaling and weak L2 let
 * rare, collection-specific n-grams carry the decision, which does not transfer to unseen families
 * (leave-one-source-out, bench/RESULTS.md: better ranking, lower benign FPR on held-out families).
 */
const PLAIN = /** @type {Config} */ ({ ...CANDIDATE, nb: 0, l2: 1e-3 });

/** The preset train-injection.mjs trains the committed model with (chosen by loso.mjs, bench/RESULTS.md). */
export const SHIPPED_PRESET = 'templates';

/** @type {Record<string, Preset>} */
export const PRESETS = {
  before: {
    config: BEFORE,
    combine: { direct: { segOffset: -2, sigWeight: 0.5 }, indirect: { segOffset: -2.5, sigWeight: 0.75 } },
    benignInstructions: false,
  },
  'no-source-weights': {
    config: { ...CANDIDATE, sourcePower: 0 },
    combine: { direct: { segOffset: -2, sigWeight: 0.5 }, indirect: { segOffset: -2.5, sigWeight: 0.75 } },
    benignInstructions: true,
  },
  plain: {
    config: PLAIN,
    combine: { direct: { segOffset: -2, sigWeight: 0.5 }, indirect: { segOffset: -2.5, sigWeight: 0.75 } },
    benignInstructions: true,
  },
  templates: {
    config: PLAIN,
    combine: { direct: { segOffset: -2, sigWeight: 0.5 }, indirect: { segOffset: -2.5, sigWeight: 0.75 } },
    benignInstructions: true,
    attackTemplates: { harmfulFrames: true },
  },
  /** `templates` with harmful rows left out of training instead of being negatives (measured, not kept). */
  'templates-noharm': {
    config: { ...PLAIN, harmful: 'ignore' },
    combine: { direct: { segOffset: -2, sigWeight: 0.5 }, indirect: { segOffset: -2.5, sigWeight: 0.75 } },
    benignInstructions: true,
    attackTemplates: { harmfulFrames: true },
  },
  /**
   * `templates` with the request model (train-core `trainHarm`): harmful rows train it instead of being
   * the injection models' negatives, and a segment that reads like a harmful request adds to the logit
   * past an offset — a jailbreak is a frame around such a request. Measured, not kept (scripts/guards/README.md).
   */
  'templates-harm': {
    config: { ...PLAIN, harmful: 'ignore', harmHead: true },
    combine: {
      direct: { segOffset: -2, sigWeight: 0.5, harmWeight: 1, harmOffset: 1 },
      indirect: { segOffset: -2.5, sigWeight: 0.75, harmWeight: 1, harmOffset: 1 },
    },
    benignInstructions: true,
    attackTemplates: { harmfulFrames: true },
  },
  /**
   * `templates` with the task model (train-core `trainTask`) in the request model's place: a segment
   * of a document that reads like a request to an assistant adds to the indirect logit. Measured, not
   * kept (scripts/guards/README.md): questions and requests to the reader in ordinary documents score
   * as high as planted instructions.
   */
  'templates-task': {
    config: { ...PLAIN, harmHead: 'task' },
    combine: {
      direct: { segOffset: -2, sigWeight: 0.5 },
      indirect: { segOffset: -2.5, sigWeight: 0.75, harmWeight: 0.5, harmOffset: 1 },
    },
    benignInstructions: true,
    attackTemplates: { harmfulFrames: true },
  },
  'templates-personas': {
    config: PLAIN,
    combine: { direct: { segOffset: -2, sigWeight: 0.5 }, indirect: { segOffset: -2.5, sigWeight: 0.75 } },
    benignInstructions: true,
    attackTemplates: { harmfulFrames: true, benignPersonas: true },
  },
  'templates-lite': {
    config: PLAIN,
    combine: { direct: { segOffset: -2, sigWeight: 0.5 }, indirect: { segOffset: -2.5, sigWeight: 0.75 } },
    benignInstructions: true,
    attackTemplates: { harmfulFrames: false },
  },
  candidate: {
    config: CANDIDATE,
    combine: { direct: { segOffset: -2, sigWeight: 0.5 }, indirect: { segOffset: -2.5, sigWeight: 0.75 } },
    benignInstructions: true,
  },
};
