import type { Mulberry32 } from '../../prng.js';
import type { AttackSpec, BenignSpec } from '../corpus/kit.js';
import { SMALL_TALK } from '../corpus/kit.js';
import { type CategoryId, STRATEGIES, type StrategyId } from '../types.js';
import { disguise } from './disguise.js';
import { encodePayload } from './encode.js';
import { documentEdge, multiTurn, payloadSplit } from './restructure.js';
import { translateGoal } from './translate.js';

/**
 * Every strategy of STRATEGIES as a deterministic mutation of an attack description. The checks are
 * never changed: nonces, tool names and snippets are either left intact (disguises) or encoded whole
 * (encodings), so what the attack asks for is still exactly what the judge looks for.
 */

/**
 * Strategies that do not apply to a category. Payload splitting spreads the instruction over the
 * user's own turns; for indirect injection that would turn it into a direct one.
 */
export const NOT_APPLICABLE: Partial<Record<CategoryId, readonly StrategyId[]>> = {
  'indirect-injection': ['payload-split'],
};

export function applies(category: CategoryId, strategy: StrategyId): boolean {
  return !(NOT_APPLICABLE[category] ?? []).includes(strategy);
}

export function applicableStrategies(
  category: CategoryId,
  requested: readonly StrategyId[] = STRATEGIES,
): StrategyId[] {
  return requested.filter((s) => applies(category, s));
}

/** Benign look-alikes take only strategies that keep them ordinary (see docs/redteam.md). */
export const BENIGN_STRATEGIES: readonly StrategyId[] = ['none', 'multi-turn'];

export function mutateAttack(spec: AttackSpec, strategy: StrategyId, rng: Mulberry32): AttackSpec {
  switch (strategy) {
    case 'none':
      return spec;
    case 'base64':
    case 'hex':
    case 'rot13':
      return { ...spec, payload: encodePayload(spec.payload, strategy, rng) };
    case 'leetspeak':
    case 'homoglyph':
    case 'zero-width':
    case 'bidi':
      return { ...spec, payload: disguise(spec.payload, strategy, spec.protect, rng) };
    case 'payload-split':
      return payloadSplit(spec, rng);
    case 'translation':
      return { ...spec, payload: translateGoal(spec.goal, rng).text };
    case 'multi-turn':
      return multiTurn(spec, rng);
    case 'document-prefix':
      return documentEdge(spec, 'prefix', rng);
    case 'document-suffix':
      return documentEdge(spec, 'suffix', rng);
  }
}

export function mutateBenign(spec: BenignSpec, strategy: StrategyId, rng: Mulberry32): BenignSpec {
  if (strategy !== 'multi-turn') return spec;
  const [q, a] = rng.pick(SMALL_TALK);
  return {
    ...spec,
    messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }, ...spec.messages],
  };
}
