import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLED_SEEDS, type PriceSeed } from './seed.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..', '..');
const script = path.join(repo, 'scripts', 'pricing', 'convert.mjs');
const tmp = mkdtempSync(path.join(tmpdir(), 'keel-prices-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function convert(input: unknown): PriceSeed {
  const inFile = path.join(tmp, `in-${Math.random()}.json`);
  const outFile = path.join(tmp, `out-${Math.random()}.json`);
  writeFileSync(inFile, JSON.stringify(input));
  execFileSync(process.execPath, [script, inFile, outFile, '--version', '2026-11-26'], { stdio: 'pipe' });
  return JSON.parse(readFileSync(outFile, 'utf8')) as PriceSeed;
}

function entry(
  name: string,
  pattern: string,
  prices: Record<string, number>,
  extraTier?: Record<string, number>,
) {
  return {
    modelName: name,
    matchPattern: pattern,
    pricingTiers: [
      { isDefault: true, prices },
      ...(extraTier ? [{ isDefault: false, prices: extraTier, conditions: [{ key: 'service_tier' }] }] : []),
    ],
  };
}

describe('scripts/pricing/convert.mjs', () => {
  it('keeps the default tier, maps key spellings, strips (?i) into flags and omits default-equal prices', () => {
    const seed = convert([
      entry(
        'gpt-4o',
        '(?i)^(openai/)?(gpt-4o)$',
        { input: 2.5e-6, input_cached_tokens: 1.25e-6, input_cache_read: 1.25e-6, output: 10e-6 },
        { input: 99, output: 99 },
      ),
      entry('claude-x', '(?i)^(anthropic/)?(claude-x)$', {
        input_tokens: 3e-6,
        output_tokens: 15e-6,
        cache_read_input_tokens: 0.3e-6,
        cache_creation_input_tokens: 3.75e-6,
        input_cache_creation_1h: 6e-6,
      }),
      entry('gemini-y', '(?i)^(google(ai)?/)?(gemini-y)$', {
        prompt_token_count: 1e-6,
        cached_content_token_count: 0.1e-6,
        candidates_token_count: 4e-6,
        thoughts_token_count: 5e-6,
      }),
      entry('o9-z', '^o9-z$', { input: 1e-6, output: 4e-6, output_reasoning_tokens: 4e-6 }),
      entry('embed', '(?i)^(embed)$', { total: 2e-8 }),
      entry('audio-only', '(?i)^(audio-only)$', { input_audio_tokens: 1e-4 }),
    ]);
    expect(seed.version).toBe('2026-11-26');
    expect(seed.effective_from).toBe('2026-11-26T00:00:00Z');
    expect(seed.models).toEqual([
      {
        match: '^(openai/)?(gpt-4o)$',
        flags: 'i',
        model: 'gpt-4o',
        provider: 'openai',
        input: 2.5e-6,
        output: 10e-6,
        cached_input: 1.25e-6,
      },
      {
        match: '^(anthropic/)?(claude-x)$',
        flags: 'i',
        model: 'claude-x',
        provider: 'anthropic',
        input: 3e-6,
        output: 15e-6,
        cached_input: 0.3e-6,
        cache_write: 3.75e-6,
      },
      {
        match: '^(google(ai)?/)?(gemini-y)$',
        flags: 'i',
        model: 'gemini-y',
        provider: 'google',
        input: 1e-6,
        output: 4e-6,
        cached_input: 0.1e-6,
        reasoning: 5e-6,
      },
      { match: '^o9-z$', flags: '', model: 'o9-z', provider: 'openai', input: 1e-6, output: 4e-6 },
      { match: '^(embed)$', flags: 'i', model: 'embed', input: 2e-8, output: 2e-8 },
    ]);
  });

  it.skipIf(
    !existsSync(path.join(repo, '..', 'shared', 'data', 'pricing', 'langfuse-default-model-prices.json')),
  )('the committed seed is what the converter produces from the shared price table', () => {
    const out = path.join(tmp, 'fresh.json');
    execFileSync(
      process.execPath,
      [
        script,
        '--version',
        '2026-11-26',
        path.join(repo, '..', 'shared', 'data', 'pricing', 'langfuse-default-model-prices.json'),
        out,
      ],
      {
        stdio: 'pipe',
      },
    );
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(path.join(here, 'seed', 'prices.json'), 'utf8'));
  });
});

describe('bundled seed', () => {
  it('is self-contained and every pattern compiles', () => {
    expect(BUNDLED_SEEDS).toHaveLength(1);
    const seed = BUNDLED_SEEDS[0]!;
    expect(seed.models.length).toBeGreaterThan(150);
    for (const m of seed.models) {
      expect(() => new RegExp(m.match, m.flags)).not.toThrow();
      expect(m.input).toBeGreaterThanOrEqual(0);
      expect(m.output).toBeGreaterThanOrEqual(0);
    }
  });
});
