/**
 * System-prompt leakage. Two signals:
 *
 * - a canary: a random marker Keel inserts into a use case's system prompt (`createCanary`). It has no
 *   reason to appear in any answer; if it does, the prompt leaked. Matching is on the random hex core
 *   and tolerates a model that drops the brackets, changes case or splits the core with spaces,
 *   dashes or invisible characters.
 * - a secret of the system prompt (an API key, token, password) in the output, however short the
 *   prompt: see secrets.ts.
 * - a long verbatim stretch of the system prompt in the output (default ≥ 60 characters): word
 *   shingles of the prompt are hashed once (`prepareSystemPrompt`) and the output is scanned with the
 *   same rolling shingles, so the check is linear in the output and independent of the prompt's size.
 *   Matching ignores case, whitespace and punctuation, so re-wrapped or re-punctuated copies count.
 */
import { createHash, randomBytes } from 'node:crypto';
import { patternResult } from '../result.js';
import type { DetectorResult, Span } from '../types.js';
import { findPromptSecrets, type PromptSecrets } from './secrets.js';
import { shingleHash, wordLength, words } from './words.js';

export { MAX_CORE, type PromptSecrets, promptSecrets } from './secrets.js';

// ASCII only. The canary used to be in ⟦…⟧: one character outside Latin-1 in the system prompt made
// V8 hold the whole upstream request body as a two-byte string, and an agent's step that resends a
// 49 KB tool result cost 0.7 ms more CPU with guards on, most of it from that (bench:guards).
const CANARY_PREFIX = 'keel-canary:';
const CANARY_CORE = /keel-canary:([0-9a-f]{16,64})/i;

/** A fresh canary such as `[keel-canary:9f3a…]` (96 random bits). */
export function createCanary(): string {
  return `[${CANARY_PREFIX}${randomBytes(12).toString('hex')}]`;
}

/**
 * The canary for one system prompt: 96 bits of a hash of the prompt, so the same prompt always carries
 * the same token (provider prompt caches keep hitting; a random token per call would change the
 * cached prefix every time) and different prompts carry different ones. Knowing it requires knowing
 * the prompt it protects.
 */
export function canaryFor(systemPrompt: string): string {
  const hit = canaryCache.get(systemPrompt);
  if (hit !== undefined) return hit;
  const core = createHash('sha256').update('keel-canary\0').update(systemPrompt).digest('hex').slice(0, 24);
  const canary = `[${CANARY_PREFIX}${core}]`;
  return systemPrompt.length <= CACHED_PROMPT_MAX ? remember(canaryCache, systemPrompt, canary) : canary;
}

/** The random core of a canary (the whole string when it has no `keel-canary:` marker). */
export function canaryCore(canary: string): string {
  const hit = coreCache.get(canary);
  if (hit !== undefined) return hit;
  return remember(coreCache, canary, (CANARY_CORE.exec(canary)?.[1] ?? canary).toLowerCase());
}

// An application sends the same few system prompts on every call: hashing each again per request
// showed up in the gateway's CPU profile. Bounded, oldest first out.
const canaryCache = new Map<string, string>();
const coreCache = new Map<string, string>();
const CANARY_CACHE_MAX = 256;
/** Longer prompts are hashed every time rather than held in memory. */
const CACHED_PROMPT_MAX = 16 * 1024;

function remember(cache: Map<string, string>, key: string, value: string): string {
  if (cache.size >= CANARY_CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
  return value;
}

/** Where `core` occurs in `output`, ignoring case and any non-alphanumeric characters in between. */
function findCanary(output: string, core: string): Span | null {
  if (core.length < 8) return null;
  const lower = output.toLowerCase();
  const direct = lower.indexOf(core);
  if (direct >= 0) return { start: direct, end: direct + core.length, label: 'leak.canary' };
  // A split or re-cased core keeps some intact piece; without one, skip the squeeze below.
  if (!lower.includes(core.slice(0, 4)) && !lower.includes(core.slice(-4)) && !lower.includes('canary'))
    return null;
  // Slow path: alphanumeric characters only, with a map back to original offsets.
  const pos: number[] = [];
  let squeezed = '';
  for (let i = 0; i < output.length; i++) {
    const c = output.charCodeAt(i) | 0x20;
    if ((c >= 48 && c <= 57) || (c >= 97 && c <= 122)) {
      squeezed += String.fromCharCode(c);
      pos.push(i);
    }
  }
  const at = squeezed.indexOf(core);
  if (at < 0) return null;
  return { start: pos[at] as number, end: (pos[at + core.length - 1] as number) + 1, label: 'leak.canary' };
}

export interface PreparedSystemPrompt {
  /** Hashes of every run of `shingle` consecutive words of the prompt. */
  shingles: Set<number>;
  /** Words per shingle. */
  shingle: number;
  /** Normalised length of the prompt (characters of its words plus single spaces). */
  length: number;
}

interface PrepareOptions {
  /** Words per shingle (default 5). Smaller catches shorter copies but costs more memory. */
  shingle?: number;
}

/** Build the shingle index of a system prompt once; reuse it for every response. */
export function prepareSystemPrompt(systemPrompt: string, opts: PrepareOptions = {}): PreparedSystemPrompt {
  const shingle = Math.max(2, opts.shingle ?? 5);
  const ws = words(systemPrompt);
  const shingles = new Set<number>();
  for (let i = 0; i + shingle <= ws.count; i++) shingles.add(shingleHash(ws, i, shingle));
  let length = 0;
  for (let j = 0; j < ws.count; j++) length += wordLength(ws, j) + 1;
  return { shingles, shingle, length: Math.max(0, length - 1) };
}

/** Spans of `output` that copy ≥ minRun normalised characters of the prepared prompt verbatim. */
export function findVerbatim(output: string, prompt: PreparedSystemPrompt, minRun = 60): Span[] {
  const k = prompt.shingle;
  const ws = words(output);
  const spans: Span[] = [];
  let runStart = -1;
  let runEnd = -1;
  const flush = () => {
    if (runStart < 0) return;
    let len = 0;
    for (let j = runStart; j <= runEnd; j++) len += wordLength(ws, j) + 1;
    // A prompt shorter than minRun leaks when it is copied whole.
    if (len - 1 >= Math.min(minRun, prompt.length)) {
      spans.push({
        start: ws.start[runStart] as number,
        end: ws.end[runEnd] as number,
        label: 'leak.system_prompt',
      });
    }
    runStart = -1;
  };
  for (let i = 0; i + k <= ws.count; i++) {
    if (!prompt.shingles.has(shingleHash(ws, i, k))) {
      flush();
      continue;
    }
    if (runStart < 0) runStart = i;
    runEnd = i + k - 1;
  }
  flush();
  return spans;
}

export interface LeakOptions {
  canary?: string;
  /** The system prompt, raw or prepared (prepare once per use case for speed). */
  systemPrompt?: string | PreparedSystemPrompt;
  /** Shortest verbatim stretch that counts, in normalised characters (default 60). */
  minRun?: number;
  /** Secrets of the system prompt (`promptSecrets`, cached per prompt). */
  secrets?: PromptSecrets;
}

const preparedCache = new Map<string, PreparedSystemPrompt>();
const CACHE_MAX = 64;

function prepared(p: string | PreparedSystemPrompt): PreparedSystemPrompt {
  if (typeof p !== 'string') return p;
  let hit = preparedCache.get(p);
  if (!hit) {
    hit = prepareSystemPrompt(p);
    if (preparedCache.size >= CACHE_MAX) preparedCache.delete(preparedCache.keys().next().value as string);
    preparedCache.set(p, hit);
  }
  return hit;
}

/**
 * Canary, system-prompt secret or verbatim system-prompt leak in a model's output. Labels
 * `leak.canary`, `leak.secret`, `leak.system_prompt`.
 */
export function detectLeak(output: string, opts: LeakOptions = {}): DetectorResult {
  const spans: Span[] = [];
  if (opts.canary) {
    const hit = findCanary(output, canaryCore(opts.canary));
    if (hit) spans.push(hit);
  }
  if (opts.secrets) spans.push(...findPromptSecrets(output, opts.secrets));
  if (opts.systemPrompt !== undefined)
    spans.push(...findVerbatim(output, prepared(opts.systemPrompt), opts.minRun));
  return patternResult('leak', spans);
}
