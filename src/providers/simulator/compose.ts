import type { Mulberry32 } from '../../prng.js';
import { CLOSERS, GENERIC_SENTENCES, OPENERS, STOP_WORDS, TOPICS, type Topic } from './phrases.js';

/** What the simulator understood from the conversation, computed once per request. */
export interface Understanding {
  keywords: string[];
  /** Capitalised words from the last user message (likely names and places). */
  properNouns: string[];
  topic: Topic | null;
}

const WORD_RE = /[A-Za-z][A-Za-z0-9'-]*/g;
const TOPIC_SETS: ReadonlyMap<Topic, ReadonlySet<string>> = new Map(
  TOPICS.map((t) => [t, new Set(t.keywords)]),
);
/** Only the tail of a huge message is scanned: the question is nearly always at the end. */
const SCAN_CHARS = 4000;
const MAX_KEYWORDS = 8;

export function understand(lastUserText: string): Understanding {
  const text = lastUserText.length > SCAN_CHARS ? lastUserText.slice(-SCAN_CHARS) : lastUserText;
  const keywords: string[] = [];
  const properNouns: string[] = [];
  const seen = new Set<string>();
  let first = true;
  WORD_RE.lastIndex = 0;
  for (let m = WORD_RE.exec(text); m !== null; m = WORD_RE.exec(text)) {
    let word = m[0];
    if (word.endsWith("'s")) word = word.slice(0, -2);
    const lower = word.toLowerCase();
    const isStop = STOP_WORDS.has(lower);
    if (!first && !isStop && word.length > 1 && word[0] !== lower[0] && !properNouns.includes(word)) {
      properNouns.push(word);
    }
    first = false;
    if (isStop || lower.length < 3 || seen.has(lower)) continue;
    seen.add(lower);
    if (keywords.length < MAX_KEYWORDS) keywords.push(lower);
  }
  return { keywords, properNouns, topic: pickTopic(keywords) };
}

function pickTopic(keywords: readonly string[]): Topic | null {
  let best: Topic | null = null;
  let bestScore = 0;
  for (const [topic, set] of TOPIC_SETS) {
    let score = 0;
    for (const k of keywords) if (set.has(k)) score++;
    if (score > bestScore) {
      best = topic;
      bestScore = score;
    }
  }
  return best;
}

function shuffled<T>(items: readonly T[], rng: Mulberry32): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const a = out[i] as T;
    out[i] = out[j] as T;
    out[j] = a;
  }
  return out;
}

function fill(sentence: string, keyword: string): string {
  return sentence.includes('{kw}') ? sentence.replace('{kw}', keyword) : sentence;
}

/**
 * Prose of roughly `targetTokens` tokens (chars/4 while building; the caller counts exactly with the
 * tokenizer afterwards). `lead` is put first, e.g. a remark about a tool result.
 */
export function composeText(u: Understanding, rng: Mulberry32, targetTokens: number, lead?: string): string {
  const targetChars = Math.max(1, targetTokens) * 4;
  const keyword = u.keywords.length > 0 ? rng.pick(u.keywords) : 'this';
  const parts: string[] = [];
  let chars = 0;
  const push = (s: string): boolean => {
    parts.push(s);
    chars += s.length + 1;
    return chars >= targetChars;
  };
  if (lead !== undefined && push(lead)) return parts.join(' ');
  if (lead === undefined && rng.chance(0.6) && push(rng.pick(OPENERS))) return parts.join(' ');
  const pool = u.topic ? shuffled(u.topic.sentences, rng) : [];
  for (const s of shuffled(GENERIC_SENTENCES, rng)) pool.push(s);
  // Long answers cycle through the pool again rather than running dry.
  for (let i = 0; ; i++) {
    if (i === pool.length && targetTokens > 40 && push(rng.pick(CLOSERS))) break;
    if (push(fill(pool[i % pool.length] as string, keyword))) break;
  }
  return parts.join(' ');
}

const SNIPPET_CHARS = 160;
const SPACE_RE = /\s+/g;

/** The opening sentence of an answer that follows a tool result. */
export function toolResultLead(toolName: string | undefined, result: string): string {
  let snippet = result.replace(SPACE_RE, ' ').trim();
  if (snippet.length > SNIPPET_CHARS) snippet = `${snippet.slice(0, SNIPPET_CHARS)}…`;
  const who = toolName ? `the ${toolName} tool` : 'the tool';
  return snippet.length > 0
    ? `I checked with ${who}, which returned: ${snippet}.`
    : `I checked with ${who}, but it returned no data.`;
}
