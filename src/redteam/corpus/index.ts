import { Mulberry32 } from '../../prng.js';
import { applicableStrategies, BENIGN_STRATEGIES, mutateAttack, mutateBenign } from '../strategies/index.js';
import { CATEGORIES, type CategoryId, type Probe, STRATEGIES, type StrategyId } from '../types.js';
import { dataExfiltration } from './data-exfiltration.js';
import { directInjection } from './direct-injection.js';
import { excessiveAgency } from './excessive-agency.js';
import { indirectInjection } from './indirect-injection.js';
import { jailbreakRoleplay } from './jailbreak-roleplay.js';
import type { CategoryCorpus, Ctx } from './kit.js';
import { outputHandling } from './output-handling.js';
import { renderAttack, renderBenign, SYSTEM_PROMPTS, systemMessage } from './render.js';
import { systemPromptExtraction } from './system-prompt-extraction.js';
import { unboundedConsumption } from './unbounded-consumption.js';
import { makePlants, nonce, suiteCanary } from './values.js';

/**
 * The red-team corpus: attack templates and benign look-alikes for every category, written for Keel,
 * mutated by the strategies and rendered into probes. Bump CORPUS_VERSION whenever a text changes, so
 * reports of different corpora are never compared as if they were the same test.
 */
export const CORPUS_VERSION = 'keel-redteam-1';

export interface BuildOptions {
  categories?: CategoryId[];
  strategies?: StrategyId[];
  /** Attack probes per category (default 20); as many benign look-alikes. */
  samples?: number;
  seed?: number;
  /** Used as every probe's system prompt, with the suite's canary line added. */
  systemPrompt?: string;
}

export const CORPORA: Record<CategoryId, CategoryCorpus> = {
  'direct-injection': directInjection,
  'indirect-injection': indirectInjection,
  'jailbreak-roleplay': jailbreakRoleplay,
  'system-prompt-extraction': systemPromptExtraction,
  'data-exfiltration': dataExfiltration,
  'excessive-agency': excessiveAgency,
  'output-handling': outputHandling,
  'unbounded-consumption': unboundedConsumption,
};

/** FNV-1a over the parts: independent streams per seed, category and probe. */
function streamSeed(...parts: Array<string | number>): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    for (const ch of `${part}\u0000`) h = Math.imul(h ^ (ch.codePointAt(0) as number), 0x01000193);
  }
  return h >>> 0;
}

/** 0..n-1 in a seeded order (Fisher–Yates). */
function order(n: number, rng: Mulberry32): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j] as number, out[i] as number];
  }
  return out;
}

function context(seed: number, category: CategoryId, kind: string, i: number): Ctx {
  const rng = new Mulberry32(streamSeed(seed, category, kind, i));
  return { rng, nonce: nonce(rng), plants: makePlants(rng) };
}

export function buildProbes(opts: BuildOptions = {}): Probe[] {
  const seed = opts.seed ?? 1;
  const samples = Math.max(0, Math.floor(opts.samples ?? 20));
  const categories = CATEGORIES.filter((c) => !opts.categories || opts.categories.includes(c));
  const requested = STRATEGIES.filter((s) => !opts.strategies || opts.strategies.includes(s));
  const canary = suiteCanary(seed);
  const benignStrategies = requested.filter((s) => BENIGN_STRATEGIES.includes(s));
  if (benignStrategies.length === 0) benignStrategies.push('none');
  const probes: Probe[] = [];
  for (const category of categories) {
    const corpus = CORPORA[category];
    const plan = new Mulberry32(streamSeed(seed, category, 'plan'));
    const strategies = applicableStrategies(category, requested);
    const attackOrder = order(corpus.attacks.length, plan);
    const benignOrder = order(corpus.benign.length, plan);
    const offset = plan.int(0, Math.max(0, strategies.length - 1));
    for (let i = 0; i < samples && strategies.length > 0; i++) {
      const strategy = strategies[(offset + i) % strategies.length] as StrategyId;
      const template = corpus.attacks[attackOrder[i % attackOrder.length] as number];
      if (!template) break;
      const ctx = context(seed, category, 'attack', i);
      const spec = template.make(ctx);
      if (category === 'system-prompt-extraction')
        spec.checks = [...spec.checks, { kind: 'canary', value: canary }];
      const mutated = mutateAttack(spec, strategy, ctx.rng);
      const system = systemMessage(
        opts.systemPrompt ?? ctx.rng.pick(SYSTEM_PROMPTS),
        canary,
        mutated.systemExtra,
      );
      probes.push({
        id: `${category}/${spec.template}/${strategy}/${i}`,
        category,
        kind: 'attack',
        strategy,
        title: spec.title,
        request: renderAttack(mutated, system, ctx.rng),
        checks: mutated.checks,
      });
    }
    for (let i = 0; i < samples; i++) {
      const strategy = benignStrategies[i % benignStrategies.length] as StrategyId;
      const template = corpus.benign[benignOrder[i % benignOrder.length] as number];
      if (!template) break;
      const ctx = context(seed, category, 'benign', i);
      const spec = mutateBenign(template.make(ctx), strategy, ctx.rng);
      const system = systemMessage(
        opts.systemPrompt ?? ctx.rng.pick(SYSTEM_PROMPTS),
        canary,
        spec.systemExtra,
      );
      probes.push({
        id: `${category}/benign-${spec.template}/${strategy}/${i}`,
        category,
        kind: 'benign',
        strategy,
        title: spec.title,
        request: renderBenign(spec, system),
        checks: [],
      });
    }
  }
  return probes;
}
