import type { ChatMessage, ChatRequest } from '../../canonical/types.js';
import {
  type GuardAction,
  type GuardPolicy,
  INJECTION_BLOCK_AT,
  INJECTION_FLAG_AT,
} from '../../config/guards.js';
import { KeelError } from '../../errors.js';
import {
  detectIndirectInjection,
  detectInjection,
  detectPii,
  detectSecrets,
  embeddedBlocks,
  MaskSession,
  mask,
  redact,
  shiftSpans,
} from '../../guards/index.js';
import { type MemoSlot, type MemoView, passThrough } from '../../guards/memo.js';
import type { DetectorResult } from '../../guards/types.js';
import {
  CONTEXT_NAME,
  type Replacement,
  replaceRanges,
  shiftedInto,
  splitContext,
  withholdContext,
  withholdPassages,
} from './third-party.js';
import { joinedTurns } from './turns.js';
import type { GuardEvent } from './types.js';

/**
 * What masking took out of a request, placeholder → original value.
 *
 * The caller's application runs the tools, so tool-call arguments get every value back (`args`). The
 * answer's text goes to the end user, who may not be the one who put a value into the request: a key
 * from a tool result or a retrieved document, repeated because an instruction planted there asked
 * for it, would be handed to whoever is chatting. So the text gets back only the values the user's
 * own words held (`text`); the others stay placeholders.
 */
export interface Masked {
  args: ReadonlyMap<string, string>;
  text: ReadonlyMap<string, string>;
}

/**
 * Screen the request's user and tool content before it goes upstream. Blocks throw a KeelError;
 * redactions and masks rewrite the request in place; every decision not `off` is pushed to `events`
 * (before a block throws, so the block itself is recorded). Returns the masked values when anything
 * was masked (restored in the answer, see `Masked`). With a `memo`, a text screened on an earlier
 * request (the conversation so far, earlier tool results) reuses its detector results.
 */
export function screenInput(
  req: ChatRequest,
  policy: GuardPolicy,
  events: GuardEvent[],
  memo: MemoView | null = null,
): Masked | null {
  const slotOf = (text: string): MemoSlot => (memo ? memo.slot(text) : passThrough(text));
  // Created on the first mask: most requests have nothing to mask.
  let session = null as MaskSession | null;
  /** Placeholders whose value occurs in the user's own words. */
  const typed = new Set<string>();
  /** The user's own words, one entry per user message (for the joined-turns check). */
  const turns: string[] = [];
  let lastTurn = -1;
  req.messages.forEach((m, index) => {
    if (m.role !== 'user' && m.role !== 'tool') return;
    const indirectMessage =
      m.role === 'tool' || (policy.context_marking && m.name !== undefined && CONTEXT_NAME.test(m.name));
    for (const p of m.content) {
      // Plain-text documents are screened too, as third-party (indirect) content; inline PDFs are binary.
      const part =
        p.type === 'text' ? p : p.type === 'file' && p.text !== undefined ? (p as { text: string }) : null;
      if (!part || part.text.length === 0) continue;
      let slotText = part.text;
      let slot = slotOf(slotText);
      const direct = checkInjection(
        slot,
        part,
        indirectMessage || p.type === 'file',
        policy,
        index,
        events,
        slotOf,
      );
      if (direct) {
        if (lastTurn === index) turns[turns.length - 1] += `\n${direct}`;
        else turns.push(direct);
        lastTurn = index;
      }
      for (const [detector, detect] of [
        ['pii', detectPii],
        ['secrets', detectSecrets],
      ] as const) {
        const action = policy[detector].input;
        if (action === 'off') continue;
        // A mask or redaction by the detector before changed the text this one reads.
        if (part.text !== slotText) {
          slotText = part.text;
          slot = slotOf(slotText);
        }
        const r = slot.result(detector, detect);
        if (!r.flagged) continue;
        events.push(event(detector, 'input', action, r, index));
        if (action === 'block') throw blocked(detector, r);
        if (action === 'redact') part.text = redact(part.text, r.spans);
        else if (action === 'mask') {
          session ??= new MaskSession();
          const m = mask(part.text, r.spans, session);
          part.text = m.text;
          // `direct` is empty for tool results and documents, and leaves out <keel:context> sections.
          for (const ph of m.used) if (direct.includes(session.restore.get(ph) as string)) typed.add(ph);
        }
      }
    }
  });
  checkJoinedTurns(turns, policy, lastTurn, events);
  if (session === null) return null;
  const text = new Map([...session.restore].filter(([ph]) => typed.has(ph)));
  return { args: session.restore, text };
}

/**
 * The turns joined with spaces are scored only when the line-break join scores at least this. On
 * pieces of attacks split at random spaces (2 and 3 pieces; train, extra and the external evaluation
 * set), every split that only the spaced join blocks scored ≥ 0.238 joined with line breaks, and
 * 91–96 % of benign splits score below 0.1: conversations are scanned once instead of twice. Under a
 * policy threshold below 0.5 both are always scored.
 */
const SPACED_GATE = 0.1;

/**
 * An instruction split across the user's recent messages is scored whole. Payload splitting shows as
 * pieces that are innocent alone and an attack together, so the joined score counts only when no
 * message was flagged on its own (those are decided already) and only from the block threshold:
 * ordinary conversations ("now in French", "make it shorter") joined land in the flag range more
 * often than single messages do, and recording those would only add noise.
 */
export function checkJoinedTurns(
  turns: string[],
  policy: GuardPolicy,
  index: number,
  events: GuardEvent[],
  detect: (text: string) => DetectorResult = detectInjection,
): void {
  if (policy.injection.input === 'off') return;
  if (events.some((e) => e.detector === 'injection' && e.direction === 'input')) return;
  const joined = joinedTurns(turns);
  if (joined === null) return;
  const blockAt = policy.injection.threshold ?? INJECTION_BLOCK_AT;
  let r = detect(joined[1]);
  if (r.score < blockAt && (r.score >= SPACED_GATE || blockAt < 0.5)) r = detect(joined[0]);
  if (r.score < blockAt) return;
  // Offsets in the joined text point into no single message.
  const whole = { ...r, labels: ['injection.multi_turn', ...r.labels], spans: [] };
  decide('injection', policy.injection.input, policy.injection.threshold, whole, index, events);
}

/**
 * Screens one text part for injection; returns the user's own words in it ('' if none). Under
 * `indirect_injection.input: redact`, third-party text scoring from the policy's point is withheld:
 * `part.text` is rewritten with a notice in its place: a tool result or document whole, or only the
 * lines that held the instruction when it is long and the rest then passes (third-party.ts
 * `withholdPassages`); the <keel:context> sections; the pasted block.
 */
function checkInjection(
  slot: MemoSlot,
  part: { text: string },
  indirectMessage: boolean,
  policy: GuardPolicy,
  index: number,
  events: GuardEvent[],
  slotOf: (text: string) => MemoSlot,
): string {
  const text = part.text;
  // <keel:context> splitting makes texts of their own; otherwise a segment is the part's text.
  const slotFor = (segment: string) => (segment === text ? slot : slotOf(segment));
  const segments = indirectMessage
    ? { direct: '', indirect: text }
    : policy.context_marking
      ? splitContext(text)
      : { direct: text, indirect: '' };
  const indirect = policy.indirect_injection;
  // Only called when a text is withheld: whether what is left of it would still be.
  const stillActs = (rest: string) =>
    detectIndirectInjection(rest).score >= (indirect.threshold ?? INJECTION_FLAG_AT);
  if (segments.direct && policy.injection.input !== 'off') {
    const r = slotFor(segments.direct).result('injection', detectInjection);
    decide('injection', policy.injection.input, policy.injection.threshold, r, index, events);
  }
  let direct = segments.direct;
  if (segments.direct && indirect.input !== 'off') {
    // Documents pasted into the user's turn are a third party's text as well (guards/embedded.ts).
    const withheld: Replacement[] = [];
    for (const b of embeddedBlocks(segments.direct)) {
      const body = segments.direct.slice(b.start, b.end);
      const r = slotOf(body).result('indirect_injection', detectIndirectInjection);
      const shifted = shiftSpans(r, b.start);
      if (decide('indirect_injection', indirect.input, indirect.threshold, shifted, index, events))
        withheld.push({ ...b, text: withholdPassages(body, r.spans, stillActs) });
    }
    if (withheld.length > 0) {
      direct = replaceRanges(segments.direct, withheld);
      // Without context sections the direct text is the part's text; with them, sections are kept.
      part.text = segments.indirect
        ? replaceRanges(text, shiftedInto(text, segments.direct, withheld))
        : direct;
    }
  }
  if (segments.indirect && indirect.input !== 'off') {
    const r = slotFor(segments.indirect).result('indirect_injection', detectIndirectInjection);
    if (decide('indirect_injection', indirect.input, indirect.threshold, r, index, events))
      part.text = indirectMessage ? withholdPassages(text, r.spans, stillActs) : withholdContext(part.text);
  }
  return direct;
}

/**
 * Records the decision on one screened text; throws on a block. Returns true when the text is to be
 * withheld (`redact`, indirect injection only).
 */
function decide(
  detector: 'injection' | 'indirect_injection',
  action: 'block' | 'redact' | 'flag',
  threshold: number | undefined,
  r: DetectorResult,
  index: number,
  events: GuardEvent[],
): boolean {
  // Short, ordinary prompts ("tell me a joke") can land just over the decision point, and a gateway
  // that refuses them gets turned off: only confident scores block, the rest are recorded as flags.
  // Withholding a document costs the caller far less than a refusal, so it acts from the flag point.
  const actAt = threshold ?? (action === 'redact' ? INJECTION_FLAG_AT : INJECTION_BLOCK_AT);
  if (r.score < INJECTION_FLAG_AT && r.score < actAt) return false;
  const effective = action !== 'flag' && r.score >= actAt ? action : 'flag';
  events.push(event(detector, 'input', effective, r, index));
  if (effective === 'block') throw blocked(detector, r);
  return effective === 'redact';
}

export function event(
  detector: GuardEvent['detector'],
  direction: GuardEvent['direction'],
  action: GuardAction | 'strip',
  r: Pick<DetectorResult, 'score' | 'labels' | 'spans'>,
  index: number,
): GuardEvent {
  return {
    detector,
    direction,
    action,
    score: r.score,
    labels: r.labels,
    spans: r.spans.map((s) => ({ start: s.start, end: s.end, label: s.label })),
    index,
  };
}

const CODES = {
  injection: 'prompt_injection_detected',
  indirect_injection: 'prompt_injection_detected',
  pii: 'pii_detected',
  secrets: 'secret_detected',
} as const;

function blocked(detector: keyof typeof CODES, r: DetectorResult): KeelError {
  const what =
    detector === 'injection'
      ? 'a prompt injection or jailbreak attempt'
      : detector === 'indirect_injection'
        ? 'an instruction planted in retrieved, pasted or tool content'
        : detector === 'pii'
          ? `personal data (${r.labels.join(', ')})`
          : `a secret (${r.labels.join(', ')})`;
  return new KeelError(CODES[detector], `Keel's guard policy blocked this request: it contains ${what}.`);
}

/** The system prompt text (leading system messages), for canaries and leak checks. */
export function systemPromptOf(messages: readonly ChatMessage[]): string {
  let s = '';
  for (const m of messages) {
    if (m.role !== 'system') continue;
    for (const p of m.content) if (p.type === 'text') s += p.text;
  }
  return s;
}
