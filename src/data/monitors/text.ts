import { murmur3 } from '../sketches/hash.js';

/**
 * Text features for topic and language drift, used only when `monitors.capture_text` is on (Keel
 * does not keep prompt text otherwise). Nothing here stores the text: an embedding is a fixed-size
 * vector of hashed character trigrams, and a language is a short code.
 */

const EMBED_DIM = 256;
const MAX_CHARS = 2000;

/**
 * Hashed character-trigram embedding (feature hashing with a sign bit, L2-normalised). Similar
 * topics share vocabulary and therefore trigrams, so centroid distances and a simple classifier
 * separate topic shifts without a model.
 */
export function embedText(text: string, dim = EMBED_DIM): Float32Array {
  const v = new Float32Array(dim);
  const s = ` ${text.slice(0, MAX_CHARS).toLowerCase().replace(/\s+/g, ' ').trim()} `;
  for (let i = 0; i + 3 <= s.length; i++) {
    const h = murmur3(s.slice(i, i + 3), 0x9747b28c);
    const idx = h % dim;
    v[idx] = (v[idx] as number) + ((h >>> 31) & 1 ? -1 : 1);
  }
  let norm = 0;
  for (let i = 0; i < dim; i++) norm += (v[i] as number) ** 2;
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < dim; i++) v[i] = (v[i] as number) * inv;
  }
  return v;
}

const SCRIPTS: [RegExp, string][] = [
  [/[\u3040-\u30ff]/u, 'ja'],
  [/[\uac00-\ud7af]/u, 'ko'],
  [/[\u4e00-\u9fff]/u, 'zh'],
  [/[\u0400-\u04ff]/u, 'ru'],
  [/[\u0370-\u03ff]/u, 'el'],
  [/[\u0600-\u06ff]/u, 'ar'],
  [/[\u0590-\u05ff]/u, 'he'],
  [/[\u0900-\u097f]/u, 'hi'],
  [/[\u0e00-\u0e7f]/u, 'th'],
];

const STOPWORDS: Record<string, ReadonlySet<string>> = {
  en: new Set('the and is are was to of in that it for you with on this what how can please'.split(' ')),
  es: new Set('el la los las de que y en es por para con una un qué cómo por favor'.split(' ')),
  fr: new Set('le la les de des et est que une un pour avec dans vous je pas sur'.split(' ')),
  de: new Set('der die das und ist nicht ich sie mit ein eine zu den auf für wie'.split(' ')),
  pt: new Set('o a os as de que e é um uma para com não em do da você'.split(' ')),
  it: new Set('il lo la gli le di che e è un una per con non sono come'.split(' ')),
  nl: new Set('de het een en is van dat niet ik je met op voor zijn'.split(' ')),
};
const WORD = /[\p{L}']+/gu;

/** Best-effort language code: script for non-Latin text, stop-word vote for Latin; 'und' if unsure. */
export function detectLanguage(text: string): string {
  const sample = text.slice(0, MAX_CHARS);
  for (const [re, code] of SCRIPTS) if (re.test(sample)) return code;
  const words = sample.toLowerCase().match(WORD) ?? [];
  let best = 'und';
  let bestScore = 0;
  for (const [code, set] of Object.entries(STOPWORDS)) {
    let score = 0;
    for (const w of words) if (set.has(w)) score++;
    if (score > bestScore) {
      best = code;
      bestScore = score;
    }
  }
  return bestScore >= 2 || (bestScore === 1 && words.length <= 4) ? best : 'und';
}

const REFUSAL =
  /^\s*(?:i['’]m sorry,? but|i am sorry,? but|sorry,? (?:but )?i can(?:no|['’])t|i can(?:no|['’])t (?:help|assist|comply|provide|do that)|i(?: am|['’]m) (?:not able|unable) to|as an ai(?: language model)?,? i)/i;

/** Heuristic refusal check on the start of a response (used when the provider gives no signal). */
export function looksLikeRefusal(response: string): boolean {
  return REFUSAL.test(response.slice(0, 300));
}
