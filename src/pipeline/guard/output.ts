import type { ChatRequest, ChatResponse, ChatStreamEvent, ToolCall } from '../../canonical/types.js';
import type { GuardPolicy } from '../../config/guards.js';
import { KeelError } from '../../errors.js';
import { createActiveContentStream, detectActiveContent } from '../../guards/active-content/index.js';
import {
  createStreamScanner,
  createStreamUnmasker,
  detectLeak,
  detectPii,
  detectSecrets,
  promptSecrets,
  redact,
  type StreamScanner,
  type StreamUnmasker,
  unmask,
} from '../../guards/index.js';
import type { DetectorResult, Span } from '../../guards/types.js';
import type { SchemaPool } from '../../schemas/index.js';
import { activeContentAction, screensActiveContent } from './active.js';
import { event, type Masked } from './input.js';
import { createArgumentsUnmasker } from './stream-args.js';
import { type ArgumentProblems, checkToolCall } from './tools.js';
import type { GuardEvent } from './types.js';

type OutputDetector = 'secrets' | 'pii' | 'leak' | 'active_content';
type OutputAction = 'block' | 'redact' | 'flag';

/** What output screening needs to know about the request it answers. */
export interface OutputContext {
  policy: GuardPolicy;
  /** Canary inserted into the system prompt, when the policy asks for one. */
  canary: string | null;
  systemPrompt: string;
  /** Placeholders masked on the way in, restored on the way out (text: only the user's own values). */
  restore: Masked | null;
  req: ChatRequest;
  /** Validates the model's arguments against the tools' parameter schemas; null = not checked. */
  schemas: SchemaPool | null;
}

/** System prompts shorter than this hold nothing worth a verbatim-leak check. */
const MIN_PROMPT_FOR_LEAK = 80;

function detectors(oc: OutputContext): Array<[OutputDetector, (t: string) => DetectorResult]> {
  const out: Array<[OutputDetector, (t: string) => DetectorResult]> = [];
  if (oc.policy.secrets.output !== 'off') out.push(['secrets', (t) => detectSecrets(t)]);
  if (oc.policy.pii.output !== 'off') out.push(['pii', (t) => detectPii(t)]);
  if (oc.policy.leak.output !== 'off') {
    // A key in the system prompt is for the model's use: however short the prompt, with or without
    // a canary, an answer that hands it out is a leak (scanned once per distinct prompt, cached).
    const secrets = promptSecrets(oc.systemPrompt);
    // With a canary, the prompt is checked however short: the operator asked for leak detection.
    const long = oc.canary !== null || oc.systemPrompt.length >= MIN_PROMPT_FOR_LEAK;
    if (oc.canary || long || secrets.cores.length > 0) {
      const opts = {
        ...(oc.canary ? { canary: oc.canary } : {}),
        ...(long ? { systemPrompt: oc.systemPrompt } : {}),
        ...(secrets.cores.length > 0 ? { secrets } : {}),
      };
      out.push(['leak', (t) => detectLeak(t, opts)]);
    }
  }
  if (screensActiveContent(oc.policy)) {
    const allowedHosts = oc.policy.active_content.allowed_hosts;
    out.push(['active_content', (t) => detectActiveContent(t, { allowedHosts })]);
  }
  return out;
}

/** Output actions: `mask` cannot be reversed for the caller, so on output it redacts. */
function actionOf(oc: OutputContext, d: OutputDetector, label: string): OutputAction | 'off' {
  if (d === 'active_content') return activeContentAction(oc.policy, label);
  const a = d === 'leak' ? oc.policy.leak.output : oc.policy[d].output;
  return a === 'mask' ? 'redact' : (a as OutputAction);
}

/** A detector's spans by the action the policy takes on each (active content varies by finding). */
function byAction(oc: OutputContext, d: OutputDetector, spans: readonly Span[]): Map<OutputAction, Span[]> {
  const groups = new Map<OutputAction, Span[]>();
  for (const sp of spans) {
    const a = actionOf(oc, d, sp.label);
    if (a !== 'off') groups.set(a, [...(groups.get(a) ?? []), sp]);
  }
  return groups;
}

/** Record each action's findings; throw on a block; return the spans to redact. */
function decideOutput(
  oc: OutputContext,
  d: OutputDetector,
  spans: readonly Span[],
  score: number,
  index: number,
  events: GuardEvent[],
): Span[] {
  const redacted: Span[] = [];
  for (const [action, group] of byAction(oc, d, spans)) {
    const labels = [...new Set(group.map((s) => s.label))];
    events.push(event(d, 'output', action, { score, labels, spans: group }, index));
    if (action === 'block') throw outputBlocked(d, labels);
    if (action === 'redact') redacted.push(...group);
  }
  return redacted;
}

function outputBlocked(d: OutputDetector, labels: string[]): KeelError {
  const what =
    d === 'leak'
      ? labels.includes('leak.secret')
        ? 'a secret of the system prompt'
        : 'the system prompt'
      : d === 'pii'
        ? 'personal data'
        : d === 'active_content'
          ? 'active content'
          : 'a secret';
  return new KeelError(
    'output_blocked',
    `Keel's guard policy stopped the model's answer: it revealed ${what} (${labels.join(', ')}).`,
  );
}

/**
 * Screen a complete answer: block, redact or flag; restore masked values (in the text only those the
 * user typed, in tool-call arguments all: see `Masked`); check tool calls.
 * `args` holds what verifyToolArguments found wrong with their arguments (null = not checked).
 */
export function screenOutput(
  res: ChatResponse,
  oc: OutputContext,
  events: GuardEvent[],
  args: ArgumentProblems | null = null,
): void {
  const dets = detectors(oc);
  for (const choice of res.choices) {
    let text = choice.message.content;
    if (text) {
      for (const [d, detect] of dets) {
        const r = detect(text);
        if (!r.flagged) continue;
        const spans = decideOutput(oc, d, r.spans, r.score, choice.index, events);
        if (spans.length > 0) text = redact(text, spans);
      }
      const out = oc.restore ? unmask(text, oc.restore.text) : text;
      // Logprobs spell out the upstream's tokens: once the text changed they would undo the redaction.
      if (out !== choice.message.content) delete choice.logprobs;
      choice.message.content = out;
    }
    const calls = choice.message.toolCalls;
    if (calls?.length) {
      const kept = calls.filter((c) => keepToolCall(c, oc, events, choice.index, args));
      if (kept.length !== calls.length) {
        if (kept.length === 0) {
          delete choice.message.toolCalls;
          choice.finishReason = 'stop';
          choice.message.content ??= '';
        } else choice.message.toolCalls = kept;
      }
      if (oc.restore) for (const c of kept) c.arguments = unmask(c.arguments, oc.restore.args);
    }
  }
}

function keepToolCall(
  call: ToolCall,
  oc: OutputContext,
  events: GuardEvent[],
  index: number,
  args: ArgumentProblems | null,
): boolean {
  const problem = checkToolCall(call, oc.req, oc.policy) ?? args?.get(call) ?? null;
  if (!problem) return true;
  const action = oc.policy.tools.action;
  if (action === 'off') return true;
  events.push(event('tools', 'output', action, { score: 1, labels: [problem.label], spans: [] }, index));
  if (action === 'block')
    throw new KeelError('tool_call_blocked', `Keel's tool policy stopped the answer: ${problem.message}`);
  return action !== 'strip';
}

/**
 * Streaming output guard: text is released only once no finding still arriving could include it
 * (a bounded look-behind, so a key split across chunks is caught); a block ends the stream with an
 * error; masked placeholders are restored even when split across chunks (in the text those the user
 * typed, in tool-call arguments all).
 */
export function createStreamGuard(
  oc: OutputContext,
  events: GuardEvent[],
): (ev: ChatStreamEvent) => ChatStreamEvent[] {
  const dets = detectors(oc);
  // Holding text back delays the stream; only worth it when a finding could change the text. Secrets,
  // PII and leaks need the whole look-behind held (a key split across chunks); active content says
  // itself what may still grow (an open `[`, a tag, a statement), so alone it holds only that.
  const ac = oc.policy.active_content;
  const othersHold = dets.some(([d]) => d !== 'active_content' && actionOf(oc, d, '') !== 'flag');
  const holds =
    othersHold ||
    (dets.some(([d]) => d === 'active_content') &&
      [ac.output, ac.sql].some((a) => a === 'block' || a === 'redact'));
  const scanners = new Map<
    number,
    {
      scanner: StreamScanner | null;
      unmasker: StreamUnmasker | null;
      active: ReturnType<typeof createActiveContentStream> | null;
    }
  >();
  const byLabel = (label: string): OutputDetector =>
    label.startsWith('leak')
      ? 'leak'
      : label.startsWith('pii')
        ? 'pii'
        : label.startsWith('active')
          ? 'active_content'
          : 'secrets';

  const stateOf = (index: number) => {
    let s = scanners.get(index);
    if (!s) {
      // Whether a window is inside a code block depends on the whole answer before it: active
      // content gets a detector per choice that follows the stream.
      const active = dets.some(([d]) => d === 'active_content')
        ? createActiveContentStream({ allowedHosts: oc.policy.active_content.allowed_hosts })
        : null;
      s = {
        scanner:
          dets.length > 0
            ? createStreamScanner({
                detectors: dets.map(([d, fn]) => (d === 'active_content' && active ? active.detect : fn)),
                lookBehind: 256,
                hold: othersHold ? 256 : 0,
              })
            : null,
        unmasker: oc.restore?.text.size ? createStreamUnmasker(oc.restore.text) : null,
        active,
      };
      scanners.set(index, s);
    }
    return s;
  };

  const release = (index: number, update: ReturnType<StreamScanner['push']>): string => {
    if (update.spans.length === 0) return update.released.text;
    const groups = new Map<OutputDetector, Span[]>();
    for (const sp of update.spans) {
      const d = byLabel(sp.label);
      groups.set(d, [...(groups.get(d) ?? []), sp]);
    }
    const redacted: Span[] = [];
    for (const [d, spans] of groups) redacted.push(...decideOutput(oc, d, spans, 1, index, events));
    if (redacted.length === 0) return update.released.text;
    if (redacted.length === update.spans.length) return update.redacted;
    // Only some findings are redacted (the rest flagged): redact those in the released text.
    const { start, end } = update.released;
    const local = redacted
      .filter((sp) => sp.end > start && sp.start < end)
      .map((sp) => ({
        start: Math.max(sp.start, start) - start,
        end: Math.min(sp.end, end) - start,
        label: sp.label,
      }));
    return redact(update.released.text, local);
  };

  /** Logprobs go along only with text released unchanged and at once: they spell out the upstream's tokens. */
  const emit = (
    index: number,
    text: string,
    s: ReturnType<typeof stateOf>,
    from?: ChatStreamEvent & { type: 'text' },
  ): ChatStreamEvent[] => {
    const out = s.unmasker ? s.unmasker.push(text) : text;
    if (!out) return [];
    if (from?.logprobs !== undefined && out === from.text)
      return [{ type: 'text', index, text: out, logprobs: from.logprobs }];
    return [{ type: 'text', index, text: out }];
  };

  const args = oc.restore?.args.size ? createArgumentsUnmasker(oc.restore.args) : null;
  const screen = (ev: ChatStreamEvent): ChatStreamEvent[] => {
    if (ev.type === 'text') {
      const s = stateOf(ev.index);
      if (!s.scanner) return emit(ev.index, ev.text, s, ev);
      s.active?.push(ev.text);
      const released = release(ev.index, s.scanner.push(ev.text));
      return emit(ev.index, holds ? released : ev.text, s, ev);
    }
    if (ev.type === 'tool_call_start' && oc.policy.tools.action !== 'off') {
      const problem = checkToolCall({ id: ev.id, name: ev.name, arguments: '' }, oc.req, oc.policy);
      if (problem) {
        events.push(
          event(
            'tools',
            'output',
            oc.policy.tools.action,
            { score: 1, labels: [problem.label], spans: [] },
            ev.index,
          ),
        );
        if (oc.policy.tools.action === 'block' || oc.policy.tools.action === 'strip')
          throw new KeelError(
            'tool_call_blocked',
            `Keel's tool policy stopped the answer: ${problem.message}`,
          );
      }
      return [ev];
    }
    if (ev.type === 'finish') {
      const s = scanners.get(ev.index);
      if (!s) return [ev];
      s.active?.finish();
      const released = s.scanner ? release(ev.index, s.scanner.end()) : '';
      const tail = holds ? released : '';
      const out = s.unmasker ? s.unmasker.push(tail) + s.unmasker.end() : tail;
      scanners.delete(ev.index);
      return out ? [{ type: 'text', index: ev.index, text: out }, ev] : [ev];
    }
    return [ev];
  };
  return args ? (ev) => screen(ev).flatMap(args) : screen;
}
