import { createHash } from 'node:crypto';
import type { Usage } from '../../canonical/types.js';
import type { KeelConfig } from '../../config/schema.js';
import { compileSafeRegex, type SafeRegex } from '../../schemas/regex.js';
import { BUNDLED_SEEDS, type PriceSeed, type SeedModel, validateSeed } from './seed.js';
import type { ModelPrice, PriceBook, PriceQuote } from './types.js';

type PriceOverride = KeelConfig['pricing']['overrides'][number];

interface PriceBookOptions {
  /** One or several price-table versions (default: the tables shipped with Keel). */
  seed?: PriceSeed | readonly PriceSeed[];
  /** From keel.yaml; USD per 1M tokens; win over the seed. */
  overrides?: readonly PriceOverride[];
}

export interface KeelPriceBook extends PriceBook {
  /**
   * Upper bound of a call's cost before it runs, for budget reservations: every input token at the
   * dearest input rate (a cache write costs more than plain input on Anthropic), every output token
   * at the dearest output rate. Unpriced models give { costUsd: null }.
   */
  quoteMax(
    provider: string,
    model: string,
    inputTokens: number,
    maxOutputTokens: number,
    at?: number,
  ): PriceQuote;
  /** Seed versions, newest first. */
  readonly versions: readonly string[];
}

interface CompiledVersion {
  version: string;
  effectiveFrom: number;
  entries: Array<{ re: SafeRegex; price: ModelPrice }>;
  /** Model name -> index into entries, or -1 when nothing matched. Bounded; see remember(). */
  memo: Map<string, number>;
}

interface CompiledOverride {
  provider: string | undefined;
  /** Lower-cased exact name, or a prefix when the configured name ends with "*". */
  model: string;
  prefix: boolean;
  effectiveFrom: number;
  price: ModelPrice;
  version: string;
}

const MEMO_LIMIT = 4096;

/**
 * Prices a call from its usage. Seed versions carry effective dates, so a past call can be re-priced
 * with the table that applied then, and a price change never silently rewrites history: every quote
 * names the version it used. Regular expressions are compiled once, here, and model-name matches are
 * memoised, so a lookup on the request path is a Map hit.
 */
export function createPriceBook(opts: PriceBookOptions = {}): KeelPriceBook {
  const seeds: readonly PriceSeed[] =
    opts.seed === undefined ? BUNDLED_SEEDS : Array.isArray(opts.seed) ? opts.seed : [opts.seed as PriceSeed];
  const versions = seeds.map(compileSeed).sort((a, b) => b.effectiveFrom - a.effectiveFrom); // newest first
  const overrides = (opts.overrides ?? []).map(compileOverride);

  function seedLookup(model: string, at: number): { price: ModelPrice; version: string } | undefined {
    // Newest version in force at `at`; a call older than every version uses the oldest one rather
    // than going unpriced. A model missing from a newer table keeps its last known price.
    let start = versions.findIndex((v) => v.effectiveFrom <= at);
    if (start < 0) start = versions.length - 1;
    for (let i = start; i < versions.length; i++) {
      const v = versions[i]!;
      const hit = matchIn(v, model);
      if (hit) return { price: hit, version: v.version };
    }
    return undefined;
  }

  function overrideLookup(
    provider: string,
    model: string,
    at: number,
  ): { price: ModelPrice; version: string } | undefined {
    if (overrides.length === 0) return undefined;
    const name = model.toLowerCase();
    let best: CompiledOverride | undefined;
    for (const o of overrides) {
      if (o.provider !== undefined && o.provider !== provider) continue;
      if (o.prefix ? !name.startsWith(o.model) : name !== o.model) continue;
      if (o.effectiveFrom > at) continue;
      // Provider-specific beats generic; then the most recent effective date; then the more exact name.
      if (
        !best ||
        rank(o) > rank(best) ||
        (rank(o) === rank(best) && o.effectiveFrom > best.effectiveFrom) ||
        (rank(o) === rank(best) &&
          o.effectiveFrom === best.effectiveFrom &&
          o.model.length > best.model.length)
      )
        best = o;
    }
    return best && { price: best.price, version: best.version };
  }

  function lookup(provider: string, model: string, at: number = Date.now()) {
    if (!model) return undefined;
    return overrideLookup(provider, model, at) ?? seedLookup(model, at);
  }

  return {
    versions: versions.map((v) => v.version),
    lookup,
    quote(provider, model, usage, at) {
      const hit = lookup(provider, model, at);
      if (!hit) return { costUsd: null, priceVersion: null };
      return { costUsd: computeCost(hit.price, usage), priceVersion: hit.version };
    },
    quoteMax(provider, model, inputTokens, maxOutputTokens, at) {
      const hit = lookup(provider, model, at);
      if (!hit) return { costUsd: null, priceVersion: null };
      const p = hit.price;
      const cost =
        nonNegative(inputTokens) * Math.max(p.input, p.cachedInput, p.cacheWrite) +
        nonNegative(maxOutputTokens) * Math.max(p.output, p.reasoning);
      return { costUsd: roundUsd(cost), priceVersion: hit.version };
    },
  };
}

/**
 * The cost arithmetic, done once for all of Keel. Usage follows canonical semantics: inputTokens
 * includes cached reads and cache writes, outputTokens includes reasoning tokens. Inconsistent
 * counts (cached > input) clamp to zero instead of producing a negative charge.
 */
export function computeCost(price: ModelPrice, usage: Usage): number {
  const input = nonNegative(usage.inputTokens);
  const cached = nonNegative(usage.cachedInputTokens);
  const cacheWrite = nonNegative(usage.cacheWriteTokens);
  const output = nonNegative(usage.outputTokens);
  const reasoning = nonNegative(usage.reasoningTokens);
  const cost =
    Math.max(0, input - cached - cacheWrite) * price.input +
    cached * price.cachedInput +
    cacheWrite * price.cacheWrite +
    Math.max(0, output - reasoning) * price.output +
    reasoning * price.reasoning;
  return roundUsd(cost);
}

/** Twelve decimals: far below a cent-fraction, and it hides binary noise such as 0.0035000000000000005. */
function roundUsd(v: number): number {
  return Math.round(v * 1e12) / 1e12;
}

function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function rank(o: CompiledOverride): number {
  return o.provider === undefined ? 0 : 1;
}

function matchIn(v: CompiledVersion, model: string): ModelPrice | undefined {
  let idx = v.memo.get(model);
  if (idx === undefined) {
    idx = v.entries.findIndex((e) => e.re.test(model));
    // Provider-qualified names ("azure/gpt-4o", "openrouter/…/model") fall back to the last segment.
    if (idx < 0) {
      const slash = model.lastIndexOf('/');
      if (slash >= 0 && slash < model.length - 1) {
        const tail = model.slice(slash + 1);
        idx = v.entries.findIndex((e) => e.re.test(tail));
      }
    }
    // Model names can come from upstream responses: keep the memo bounded.
    if (v.memo.size >= MEMO_LIMIT) v.memo.clear();
    v.memo.set(model, idx);
  }
  return idx < 0 ? undefined : v.entries[idx]?.price;
}

function compileSeed(seed: PriceSeed): CompiledVersion {
  validateSeed(seed);
  return {
    version: seed.version,
    effectiveFrom: Date.parse(seed.effective_from),
    memo: new Map(),
    entries: seed.models.map((m: SeedModel) => {
      // Model names come from callers: a linear-time engine, whatever pattern a table holds.
      let re: SafeRegex;
      try {
        re = compileSafeRegex(m.match, m.flags ?? '');
      } catch (e) {
        throw new Error(
          `price table ${seed.version}: model ${m.model} has an invalid pattern: ${(e as Error).message}`,
        );
      }
      return { re, price: modelPrice(m.input, m.output, m.cached_input, m.cache_write, m.reasoning) };
    }),
  };
}

function compileOverride(o: PriceOverride, i: number): CompiledOverride {
  const perToken = (v: number | undefined) => (v === undefined ? undefined : v / 1e6);
  let effectiveFrom = Number.NEGATIVE_INFINITY;
  if (o.effective_from !== undefined) {
    effectiveFrom = Date.parse(o.effective_from);
    if (Number.isNaN(effectiveFrom))
      throw new Error(
        `pricing.overrides[${i}].effective_from: "${o.effective_from}" is not a date (use e.g. 2026-12-01)`,
      );
  }
  const name = o.model.toLowerCase();
  const prefix = name.endsWith('*');
  // The version names what priced the call: the date when given, else a digest of the prices, so a
  // changed override is distinguishable from the old one in stored events.
  const digest = createHash('sha256')
    .update(
      JSON.stringify([o.provider, o.model, o.input, o.output, o.cached_input, o.cache_write, o.reasoning]),
    )
    .digest('hex')
    .slice(0, 8);
  return {
    provider: o.provider,
    model: prefix ? name.slice(0, -1) : name,
    prefix,
    effectiveFrom,
    price: modelPrice(
      perToken(o.input)!,
      perToken(o.output)!,
      perToken(o.cached_input),
      perToken(o.cache_write),
      perToken(o.reasoning),
    ),
    version: o.effective_from !== undefined ? `config:${o.effective_from}` : `config:${digest}`,
  };
}

function modelPrice(
  input: number,
  output: number,
  cachedInput?: number,
  cacheWrite?: number,
  reasoning?: number,
): ModelPrice {
  return {
    input,
    output,
    cachedInput: cachedInput ?? input,
    cacheWrite: cacheWrite ?? input,
    reasoning: reasoning ?? output,
  };
}
