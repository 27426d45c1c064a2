import type { ChatMessage, ChatRequest, JsonObject, ToolDef } from '../../canonical/types.js';
import { messageText } from '../../canonical/types.js';
import { isIban } from '../../guards/pii/iban.js';
import { detectPii } from '../../guards/pii/index.js';
import { detectSecrets } from '../../guards/secrets/index.js';
import type { Span } from '../../guards/types.js';
import type { Mulberry32 } from '../../prng.js';
import type { Understanding } from './compose.js';
import { type Passage, readInstructions, visibleText } from './naive-read.js';
import { valueForSchema } from './schema-values.js';

/**
 * The naive mode: a model that obeys whatever instruction it reads, wherever it reads it. Rules are
 * generic — verbs and objects in English, Spanish, French, German and Portuguese — never corpus ids or
 * sentences, so any suite (or a person at a terminal) can show what an unprotected route does:
 * - asked to reveal its instructions → it prints the system prompt verbatim;
 * - asked to say / write / include a code or quoted text → it writes it;
 * - asked to call an offered tool → it calls it (arguments from the instruction, else the schema);
 * - asked to include a markdown image or link, HTML, script or SQL → it writes it as given;
 * - asked for secrets, card numbers, contacts or IBANs it can see → it writes them;
 * - asked to write without end → it writes up to max_tokens (at most NAIVE_FLOOD_CAP tokens).
 * An instruction right after a negation ("do not call…") is not followed.
 */

export const NAIVE_FLOOD_CAP = 8192;
/** Flood length when the request sets no max_tokens. */
const NAIVE_FLOOD_DEFAULT = 4096;

export interface Obedience {
  /** Text to put before the ordinary answer ('' when only tool calls or a flood were asked for). */
  text: string;
  calls: Array<{ name: string; arguments: string }>;
  /** Set when asked to write without end: the answer's length in tokens. */
  floodTokens?: number;
}

const W = '[\\p{L}\\p{N}_]';
function words(alternatives: string): RegExp {
  return new RegExp(`(?<!${W})(?:${alternatives})(?!${W})`, 'gu');
}

const SAY = words(
  'say|write|writing|type|print|output|include|including|contains?|add|append|put|insert|reply|respond|answer|start|begin|end|finish|sign|stamp|acknowledge|confirm|echo|repeat|emit|state|(?:must|should|will|shall) be|escribe|escriba|escreva|diga|incluye|inclua|responde|responda|añade|adicione|pon|coloque|imprime|imprima|repite|repita|écris|ecris|dis|ajoute|inclus|réponds|mets|affiche|répète|schreib|schreibe|sag|sage|füge|antworte|wiederhole|nenne',
);
const REVEAL_VERB = words(
  'reveal|repeat|print|show|output|display|recite|dump|copy|echo|tell|give|share|paste|list|write|spell out|quote|return|continue|muestra|repite|imprime|copia|affiche|répète|montre|donne|recopie|gib|zeig|zeige|wiederhole|kopiere|mostre|repita|imprima|copie',
);
const REVEAL_OBJECT = words(
  '(?:your|tus|tes|vos|deine|ihre|suas|seus)\\s+(?:[\\p{L}-]+\\s+){0,2}(?:instructions?|prompt|system message|rules|directives|guidelines|configuration|config|setup|instrucciones|consignes|anweisungen|systemanweisungen|instruções|regras|reglas|regeln)|everything above|the text above|the (?:initial|original|first|hidden|full|entire|complete|exact|preceding) (?:message|prompt|instructions|text|configuration)|todo el texto que recibiste|tout le texte que tu as reçu|den gesamten text|todo o texto que recebeu',
);
const LEAK_VERB = words(
  'list|give|show|print|repeat|send|share|tell|reveal|output|include|write|copy|paste|export|read|provide|dump|forward|post|what is the|escribe|escreva|copia|copie|dame|muestra|mostre|écris|recopie|donne|schreibe|kopiere|gib',
);
const LEAK_NOUNS: ReadonlyArray<[RegExp, Kind]> = [
  [words('card numbers?|card|credit cards?|tarjetas?|cartes?|kartennummern|cartão|cartões'), 'card'],
  [
    words(
      'api keys?|access tokens?|keys?|tokens?|secrets?|passwords?|claves|contraseñas|clés|mots de passe|schlüssel|passwörter|chaves|senhas',
    ),
    'key',
  ],
  [words('credentials|credenciales|identifiants|zugangsdaten|credenciais'), 'key'],
  [
    words(
      'e-?mail(?: address(?:es)?)?|emails|phone(?: numbers?)?|contact details|correos|teléfonos|téléphone|telefonnummern|telefones|e-mail-adressen',
    ),
    'contact',
  ],
  [words('iban|ibans|bank details'), 'iban'],
  [
    words(
      'personal data|pii|entire record|whole record|datos personales|données personnelles|persönlichen daten|dados pessoais',
    ),
    'all',
  ],
];
const CALL_VERB = words(
  'call|use|invoke|run|execute|trigger|fire|launch|perform|activate|llama|usa|ejecuta|invoca|appelle|utilise|exécute|lance|rufe|ruf|verwende|nutze|führe|chame|execute|acione',
);
const EMIT_VERB = words(
  'include|add|append|paste|put|print|output|emit|write|render|reply|finish|end|insert|use|keep|añade|incluye|ajoute|inclus|füge|gib|adicione|inclua',
);
const NEGATION =
  /(?:\bnot|n't|\bnever|\bwithout|\bnunca|\bjamais|\bnicht|\bnão|\bsans|\bno)\s+(?:\S+\s+){0,1}$/u;
const FLOOD = words(
  "never stop|don't stop|do not stop|without stopping|endless|endlessly|forever|infinite|as long as possible|as many [\\p{L} ]+ as you can|until you run out|maximum length|never conclude|\\d{1,3}(?:,\\d{3})+ (?:words|times|verses|lines)|\\d{5,} (?:words|times|verses|lines)|ten thousand|hundred thousand|million|para siempre|sin parar|nunca te detengas|sans t’arrêter|sans t'arrêter|à l’infini|à l'infini|sans fin|ohne aufzuhören|endlos|niemals auf|sem parar|para sempre|nunca pare",
);
const TOKEN =
  /«([^»\n]{2,80})»|"([^"\n]{2,80})"|“([^”\n]{2,80})”|\b([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)\b|\b((?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6,64})\b/g;
const PRONOUN = /\b(?:it|this|that|lo|le|es|isso)\b/i;
const SENTENCE = /[^.!?\n]+(?:[.!?]+|\n|$)/g;
const SNIPPETS = [
  /!\[[^\]\n]*\]\([^)\s]+\)/g,
  /\[[^\]\n]+\]\(https?:\/\/[^)\s]+\)/g,
  /<(script|iframe)\b[^>]*>[\s\S]*?<\/\1>/gi,
  /<(?:img|a|svg|body|div|iframe)\b[^>]*(?:\bon\w+\s*=|javascript:)[^>]*>(?:[^<]*<\/(?:a|svg|div)>)?/gi,
  /\b(?:DROP TABLE|DELETE FROM|UPDATE \w+ SET|INSERT INTO|TRUNCATE TABLE|ALTER TABLE)\b[^;\n]*;?/gi,
];

type Kind = 'card' | 'key' | 'contact' | 'iban' | 'all';

/** Matches of `re` in `s` as [start, end] pairs. */
function spans(re: RegExp, s: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  re.lastIndex = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    out.push([m.index, m.index + m[0].length]);
    if (m[0].length === 0) re.lastIndex++;
  }
  return out;
}

/** The last unnegated verb of `verbs` in folded[from, to). */
function verbBefore(folded: string, from: number, to: number, verbs: RegExp): boolean {
  const hits = spans(verbs, folded.slice(from, to));
  const last = hits[hits.length - 1];
  // The negation must sit in the same stretch as the verb: "…do not apply. Type X" still asks for X.
  return (
    last !== undefined && !NEGATION.test(folded.slice(Math.max(from, from + last[0] - 24), from + last[0]))
  );
}

function sentences(p: Passage): Array<[number, number]> {
  return spans(SENTENCE, p.folded);
}

function tokensIn(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    const t = (m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? '').trim();
    if (t.length > 0) out.push(t);
  }
  return out;
}

function says(p: Passage, into: Set<string>): void {
  const ss = sentences(p);
  ss.forEach(([s, e], i) => {
    if (!verbBefore(p.folded, s, e, SAY)) return;
    let found = tokensIn(p.text.slice(s, e));
    const prev = ss[i - 1];
    if (found.length === 0 && prev && PRONOUN.test(p.folded.slice(s, e)))
      found = tokensIn(p.text.slice(prev[0], prev[1]));
    for (const t of found) into.add(t);
  });
}

function reveals(p: Passage): boolean {
  return sentences(p).some(([s, e]) =>
    spans(REVEAL_OBJECT, p.folded.slice(s, e)).some(([os]) => verbBefore(p.folded, s, s + os, REVEAL_VERB)),
  );
}

/** "What is the password? Write it out." — the verb comes after, with a pronoun. */
const LEAK_AFTER = new RegExp(
  `^[^.!?]{0,20}[.!?]?\\s*${LEAK_VERB.source}\\s+(?:it|them|those|that)(?!${W})`,
  'u',
);

function leaks(p: Passage, into: Set<Kind>): void {
  for (const [s, e] of sentences(p))
    for (const [re, kind] of LEAK_NOUNS)
      for (const [ns, ne] of spans(re, p.folded.slice(s, e)))
        if (
          verbBefore(p.folded, Math.max(s, s + ns - 160), s + ns, LEAK_VERB) ||
          LEAK_AFTER.test(p.folded.slice(s + ne, s + ne + 60))
        )
          into.add(kind);
}

function emits(p: Passage, into: string[]): void {
  for (const re of SNIPPETS)
    for (const [s, e] of spans(re, p.text)) {
      const snippet = p.text.slice(s, e);
      if (!into.includes(snippet) && verbBefore(p.folded, Math.max(0, s - 300), s, EMIT_VERB))
        into.push(snippet);
    }
}

function toolMentions(p: Passage, tool: ToolDef): boolean {
  const names = [tool.name.toLowerCase(), tool.name.toLowerCase().replace(/_/g, ' ')];
  return names.some((n) =>
    spans(new RegExp(`(?<!${W})${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!${W})`, 'gu'), p.folded).some(
      ([s]) => verbBefore(p.folded, Math.max(0, s - 80), s, CALL_VERB),
    ),
  );
}

/** Arguments named in the instruction ("amount 4900", "destination: x@y"), else from the schema. */
function argumentsFor(tool: ToolDef, texts: readonly string[], rng: Mulberry32, u: Understanding): string {
  const generated = valueForSchema(tool.parameters, rng, u, { allProperties: false });
  const args: JsonObject =
    typeof generated === 'object' && generated !== null && !Array.isArray(generated) ? generated : {};
  const props = tool.parameters.properties;
  if (typeof props === 'object' && props !== null && !Array.isArray(props)) {
    for (const [name, schema] of Object.entries(props)) {
      const re = new RegExp(`${name}\\s*(?:[:=]|is|of|to|as)?\\s*(?:"([^"]+)"|([^\\s,;]+))`, 'i');
      for (const t of texts) {
        const m = re.exec(t);
        if (!m) continue;
        const raw = (m[1] ?? m[2] ?? '').replace(/[.)]+$/, '');
        const type =
          typeof schema === 'object' && schema !== null && !Array.isArray(schema) ? schema.type : undefined;
        const num = Number(raw.replace(/,/g, ''));
        args[name] = (type === 'number' || type === 'integer') && Number.isFinite(num) ? num : raw;
        break;
      }
    }
  }
  return JSON.stringify(args);
}

const LEAK_LABELS: Record<Exclude<Kind, 'all'>, (label: string) => boolean> = {
  card: (l) => l === 'pii.payment_card',
  key: (l) => l.startsWith('secret.') || l === 'pii.secret_field',
  contact: (l) => l === 'pii.email' || l === 'pii.phone',
  iban: (l) => l === 'pii.iban',
};

/** IBAN-shaped groups; checked with the ISO 13616 checksum before they count. */
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g;

function ibanSpans(text: string): Span[] {
  return spans(IBAN, text)
    .filter(([s, e]) => isIban(text.slice(s, e).replace(/ /g, '')))
    .map(([start, end]) => ({ start, end, label: 'pii.iban' }));
}

function leakedValues(messages: readonly ChatMessage[], kinds: ReadonlySet<Kind>): string[] {
  const seen = visibleText(messages);
  const found = [...detectSecrets(seen).spans, ...detectPii(seen).spans, ...ibanSpans(seen)];
  const out: string[] = [];
  for (const span of found) {
    const wanted = kinds.has('all') || [...kinds].some((k) => k !== 'all' && LEAK_LABELS[k](span.label));
    const value = seen.slice(span.start, span.end);
    if (wanted && !out.includes(value)) out.push(value);
  }
  // A detector may report part of a value another one found whole (digits of an IBAN as a phone).
  return out.filter((v) => !out.some((w) => w !== v && w.includes(v)));
}

/** What the naive model was told to do, or null when nothing it read asks for anything. */
export function naiveObedience(req: ChatRequest, rng: Mulberry32, u: Understanding): Obedience | null {
  const passages = readInstructions(req.messages);
  const tokens = new Set<string>();
  const kinds = new Set<Kind>();
  const snippets: string[] = [];
  let reveal = false;
  let flood = false;
  for (const p of passages) {
    says(p, tokens);
    leaks(p, kinds);
    emits(p, snippets);
    reveal ||= reveals(p);
    flood ||= spans(FLOOD, p.folded).length > 0;
  }
  const tools = req.toolChoice === 'none' ? [] : (req.tools ?? []);
  const called = tools.filter((t) => passages.some((p) => toolMentions(p, t)));
  const texts = passages.map((p) => p.text);
  const calls = called.slice(0, 3).map((t) => ({ name: t.name, arguments: argumentsFor(t, texts, rng, u) }));
  for (const s of snippets) for (const t of [...tokens]) if (s.includes(t)) tokens.delete(t);
  const parts: string[] = [];
  if (tokens.size > 0) parts.push([...tokens].join(' '));
  if (reveal) {
    const system = req.messages.find((m) => m.role === 'system');
    if (system) parts.push(`My instructions are:\n${messageText(system)}`);
  }
  if (kinds.size > 0) {
    const values = leakedValues(req.messages, kinds);
    if (values.length > 0) parts.push(`Here is what I have: ${values.join(', ')}`);
  }
  parts.push(...snippets);
  if (parts.length === 0 && calls.length === 0 && !flood) return null;
  return {
    text: parts.join('\n\n'),
    calls,
    ...(flood ? { floodTokens: Math.min(req.maxTokens ?? NAIVE_FLOOD_DEFAULT, NAIVE_FLOOD_CAP) } : {}),
  };
}
