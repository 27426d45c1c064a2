#!/usr/bin/env node
/**
 * Converts Langfuse's public model price table into Keel's own seed (src/value/pricing/seed/prices.json).
 * Keel reads only its seed at run time; this script is how the seed is refreshed.
 *
 *   node scripts/pricing/convert.mjs [input.json] [output.json] [--version 2026-11-26]
 *
 * Only each model's default pricing tier is kept. Langfuse spells one price many ways (OpenAI, Anthropic,
 * Gemini and OpenTelemetry usage keys); the first spelling found per Keel field wins, and spellings that
 * disagree are reported. Prices equal to Keel's defaults (cached input = input, cache write = input,
 * reasoning = output) are omitted to keep the file small.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const version = flag('--version') ?? '2026-11-26';
const input = path.resolve(
  args[0] ?? path.join(repo, '..', 'shared', 'data', 'pricing', 'langfuse-default-model-prices.json'),
);
const output = path.resolve(args[1] ?? path.join(repo, 'src', 'value', 'pricing', 'seed', 'prices.json'));

/** Keel field -> Langfuse spellings, in order of preference. "total" is the legacy single price. */
const KEYS = {
  input: [
    'input',
    'input_tokens',
    'prompt_token_count',
    'promptTokenCount',
    'input_text_tokens',
    'input_text',
    'input_modality_1',
    'total',
  ],
  cached_input: [
    'input_cached_tokens',
    'input_cache_read',
    'cache_read_input_tokens',
    'cached_content_token_count',
    'cachedContentTokenCount',
    'input_cached_text_tokens',
  ],
  cache_write: [
    'input_cache_creation',
    'cache_creation_input_tokens',
    'cache_write_tokens',
    'input_cache_creation_5m',
  ],
  output: [
    'output',
    'output_tokens',
    'candidates_token_count',
    'candidatesTokenCount',
    'output_text_tokens',
    'output_text',
    'output_modality_1',
    'total',
  ],
  reasoning: [
    'output_reasoning_tokens',
    'output_reasoning',
    'reasoning_tokens',
    'thoughts_token_count',
    'thoughtsTokenCount',
  ],
};

function pick(prices, keys, model, field, warnings) {
  const found = keys.filter((k) => typeof prices[k] === 'number');
  if (found.length === 0) return undefined;
  const value = prices[found[0]];
  const differing = found.filter((k) => prices[k] !== value);
  if (differing.length > 0)
    warnings.push(
      `${model}: ${field} spellings disagree (${found[0]}=${value}, ${differing.map((k) => `${k}=${prices[k]}`).join(', ')})`,
    );
  return value;
}

function providerOf(entry, pattern) {
  if (/^\^?\(?\(?(openai)/.test(pattern) || /openai\\?\//.test(pattern.slice(0, 30))) return 'openai';
  if (
    /anthropic/.test(pattern.slice(0, 30)) ||
    entry.tokenizerId === 'claude' ||
    /^claude/.test(entry.modelName)
  )
    return 'anthropic';
  if (
    /google/.test(pattern.slice(0, 30)) ||
    /^(gemini|chat-bison|codechat|code-bison|code-gecko|text-bison|text-unicorn|textembedding)/.test(
      entry.modelName,
    )
  )
    return 'google';
  if (entry.tokenizerId === 'openai' || /^(gpt|o\d|text-|davinci|babbage|ft:|chatgpt)/.test(entry.modelName))
    return 'openai';
  return undefined;
}

const source = JSON.parse(readFileSync(input, 'utf8'));
const warnings = [];
const models = [];
for (const entry of source) {
  const tier =
    (entry.pricingTiers ?? []).find((t) => t.isDefault) ??
    (entry.prices ? { prices: entry.prices } : undefined);
  if (!tier) {
    warnings.push(`${entry.modelName}: no default tier, skipped`);
    continue;
  }
  let pattern = entry.matchPattern;
  let flags = '';
  if (pattern.startsWith('(?i)')) {
    pattern = pattern.slice(4);
    flags = 'i';
  }
  try {
    new RegExp(pattern, flags);
  } catch (e) {
    warnings.push(`${entry.modelName}: pattern not valid in JavaScript (${e.message}), skipped`);
    continue;
  }
  const p = tier.prices;
  const price = {};
  for (const field of Object.keys(KEYS)) {
    const v = pick(p, KEYS[field], entry.modelName, field, warnings);
    if (v !== undefined) price[field] = v;
  }
  if (price.input === undefined || price.output === undefined) {
    warnings.push(`${entry.modelName}: no input/output text price (${Object.keys(p).join(', ')}), skipped`);
    continue;
  }
  const out = { match: pattern, flags, model: entry.modelName };
  const provider = providerOf(entry, pattern);
  if (provider) out.provider = provider;
  out.input = price.input;
  out.output = price.output;
  if (price.cached_input !== undefined && price.cached_input !== price.input)
    out.cached_input = price.cached_input;
  if (price.cache_write !== undefined && price.cache_write !== price.input)
    out.cache_write = price.cache_write;
  if (price.reasoning !== undefined && price.reasoning !== price.output) out.reasoning = price.reasoning;
  models.push(out);
}

const header = {
  version,
  effective_from: `${version}T00:00:00Z`,
  source: `Langfuse default model prices (${path.basename(input)}), default pricing tier; USD per token`,
};
// One model per line: small, and diffs show exactly which price changed.
const text = `{\n${Object.entries(header)
  .map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`)
  .join('\n')}\n  "models": [\n${models.map((m) => `    ${JSON.stringify(m)}`).join(',\n')}\n  ]\n}\n`;
writeFileSync(output, text);
for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
process.stderr.write(
  `wrote ${models.length} of ${source.length} models to ${path.relative(process.cwd(), output)}\n`,
);
