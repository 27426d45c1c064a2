import type {
  ChatMessage,
  ChatRequest,
  ContentPart,
  FinishReason,
  ToolCall,
  ToolDef,
} from '../../canonical/types.js';
import { messageText } from '../../canonical/types.js';
import { Mulberry32 } from '../../prng.js';
import { loadBpe } from '../../value/tokens.js';
import { composeText, toolResultLead, type Understanding, understand } from './compose.js';
import { Hasher, mix } from './hash.js';
import { naiveObedience, type Obedience } from './naive.js';
import { countPrompt, type PrefixCache, type TokenMemo } from './prompt.js';
import { valueForSchema } from './schema-values.js';

/**
 * Decides what the simulator answers. Pure apart from the prompt cache: no timing, no I/O, so the
 * non-streaming and streaming paths share it and tests can call it directly.
 */

interface SimChoice {
  index: number;
  text: string | null;
  toolCalls?: ToolCall[];
  finishReason: FinishReason;
  stopSequence: string | null;
  outputTokens: number;
}

export interface SimAnswer {
  seed: number;
  promptTokens: number;
  cachedTokens: number;
  outputTokens: number;
  choices: SimChoice[];
}

interface PlanState {
  memo: TokenMemo;
  cache: PrefixCache;
  /** Typical answer length in tokens (config `answer_tokens`). */
  answerTokens: number;
  /** Obey injected instructions (config `naive`, or a model name containing `-naive`). */
  naive?: boolean;
}

function requestSeed(req: ChatRequest, model: string): number {
  const h = new Hasher().str(model);
  for (const m of req.messages) {
    h.str(m.role);
    for (const p of m.content) h.str(partKey(p));
    if (m.toolCalls) for (const c of m.toolCalls) h.str(c.name).str(c.arguments);
    if (m.toolCallId) h.str(m.toolCallId);
  }
  if (req.tools) for (const t of req.tools) h.str(t.name);
  if (req.toolChoice) h.str(typeof req.toolChoice === 'string' ? req.toolChoice : req.toolChoice.name);
  if (req.responseFormat) h.str(req.responseFormat.type);
  // stop, maxTokens and n are left out on purpose: they truncate or repeat one generation, as with
  // a real model, so a cut answer is a prefix of the uncut one.
  return mix(h.digest(), req.seed ?? 0);
}

function lastUserText(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as ChatMessage;
    if (m.role === 'user') return messageText(m);
  }
  return '';
}

function toolNameFor(messages: readonly ChatMessage[], callId: string | undefined): string | undefined {
  if (!callId) return undefined;
  for (let i = messages.length - 1; i >= 0; i--) {
    const call = messages[i]?.toolCalls?.find((c) => c.id === callId);
    if (call) return call.name;
  }
  return undefined;
}

function chosenTool(req: ChatRequest): ToolDef | undefined {
  const tools = req.tools;
  if (!tools || tools.length === 0 || req.toolChoice === 'none') return undefined;
  const last = req.messages[req.messages.length - 1];
  if (last?.role !== 'user') return undefined;
  const choice = req.toolChoice;
  if (choice && typeof choice === 'object') return tools.find((t) => t.name === choice.name) ?? tools[0];
  return tools[0];
}

/** Cut `text` at the earliest stop sequence, then at `maxTokens`, like a model generating left to right. */
function applyLimits(
  text: string,
  stop: readonly string[] | undefined,
  maxTokens: number | undefined,
): { text: string; tokens: number; finishReason: FinishReason; stopSequence: string | null } {
  let out = text;
  let stopSequence: string | null = null;
  if (stop) {
    let at = -1;
    for (const s of stop) {
      if (s.length === 0) continue;
      const i = out.indexOf(s);
      if (i >= 0 && (at < 0 || i < at)) {
        at = i;
        stopSequence = s;
      }
    }
    if (at >= 0) out = out.slice(0, at);
  }
  let tokens = loadBpe().encode(out);
  if (maxTokens === undefined || tokens.length <= maxTokens) {
    return { text: out, tokens: tokens.length, finishReason: 'stop', stopSequence };
  }
  // Decoding a token prefix can re-tokenise differently; trim until the count is honest.
  let keep = Math.max(0, maxTokens);
  for (;;) {
    out = loadBpe().decode(tokens.slice(0, keep));
    tokens = loadBpe().encode(out);
    if (tokens.length <= maxTokens || keep === 0) break;
    keep--;
  }
  return { text: out, tokens: tokens.length, finishReason: 'length', stopSequence: null };
}

function naturalLength(rng: Mulberry32, answerTokens: number): number {
  return Math.max(1, Math.round(answerTokens * (0.7 + 0.6 * rng.next())));
}

function jsonAnswer(req: ChatRequest, u: Understanding, rng: Mulberry32, answerTokens: number): string {
  const rf = req.responseFormat;
  if (rf?.type === 'json_schema')
    return JSON.stringify(valueForSchema(rf.schema, rng, u, { allProperties: true }));
  return JSON.stringify({
    answer: composeText(u, rng, naturalLength(rng, answerTokens) - 20),
    topic: u.topic?.name ?? 'general',
    keywords: u.keywords.slice(0, 3),
    confidence: Math.round((0.6 + 0.39 * rng.next()) * 100) / 100,
  });
}

export function planChat(req: ChatRequest, model: string, state: PlanState): SimAnswer {
  const seed = requestSeed(req, model);
  const prompt = countPrompt(req, state.memo);
  const cachedTokens = state.cache.lookupAndStore(prompt.checkpoints);
  const u = understand(lastUserText(req.messages));
  const tool = chosenTool(req);
  const last = req.messages[req.messages.length - 1];
  const lead =
    last?.role === 'tool'
      ? toolResultLead(toolNameFor(req.messages, last.toolCallId), messageText(last))
      : undefined;
  const wantsJson = req.responseFormat?.type === 'json_object' || req.responseFormat?.type === 'json_schema';
  const n = Math.max(1, req.n ?? 1);
  const obey =
    state.naive || model.includes('-naive')
      ? naiveObedience(req, new Mulberry32(mix(seed, 0x9a17e)), u)
      : null;
  const choices: SimChoice[] = [];
  let outputTokens = 0;
  for (let index = 0; index < n; index++) {
    const rng = new Mulberry32(mix(seed, index + 1));
    let choice: SimChoice;
    if (obey) {
      choice = obeyingChoice(index, obey, req, u, rng, state.answerTokens, seed);
    } else if (tool) {
      choice = toolChoice(index, tool, rng, u, req.maxTokens, seed);
    } else {
      const raw = wantsJson
        ? jsonAnswer(req, u, rng, state.answerTokens)
        : composeText(u, rng, naturalLength(rng, state.answerTokens), lead);
      const cut = applyLimits(raw, req.stop, req.maxTokens);
      choice = {
        index,
        text: cut.text,
        finishReason: cut.finishReason,
        stopSequence: cut.stopSequence,
        outputTokens: cut.tokens,
      };
    }
    outputTokens += choice.outputTokens;
    choices.push(choice);
  }
  return { seed, promptTokens: prompt.tokens, cachedTokens, outputTokens, choices };
}

/** The naive mode's answer: what it was told to write, then ordinary text (or a flood), or the tool calls. */
function obeyingChoice(
  index: number,
  obey: Obedience,
  req: ChatRequest,
  u: Understanding,
  rng: Mulberry32,
  answerTokens: number,
  seed: number,
): SimChoice {
  // composeText sizes by characters; a flood is composed a little long and cut at its token count.
  const flood = obey.floodTokens;
  const body = composeText(
    u,
    rng,
    flood !== undefined ? Math.ceil(flood * 1.3) : naturalLength(rng, answerTokens),
  );
  const raw = obey.calls.length > 0 ? obey.text : obey.text.length > 0 ? `${obey.text}\n\n${body}` : body;
  const cut = applyLimits(
    raw,
    req.stop,
    flood !== undefined ? Math.min(flood, req.maxTokens ?? flood) : req.maxTokens,
  );
  const text = cut.text.length > 0 ? cut.text : null;
  if (obey.calls.length === 0)
    return {
      index,
      text,
      finishReason: cut.finishReason,
      stopSequence: cut.stopSequence,
      outputTokens: cut.tokens,
    };
  const bpe = loadBpe();
  const toolCalls = obey.calls.map((c, k) => ({
    id: `call_${mix(seed, 0x7001 + index * 8 + k).toString(36)}${rng.int(0, 1e9).toString(36)}`,
    name: c.name,
    arguments: c.arguments,
  }));
  const callTokens = toolCalls.reduce(
    (sum, c) => sum + bpe.encode(c.name).length + bpe.encode(c.arguments).length,
    0,
  );
  return {
    index,
    text,
    toolCalls,
    finishReason: 'tool_calls',
    stopSequence: null,
    outputTokens: (text === null ? 0 : cut.tokens) + callTokens,
  };
}

function toolChoice(
  index: number,
  tool: ToolDef,
  rng: Mulberry32,
  u: Understanding,
  maxTokens: number | undefined,
  seed: number,
): SimChoice {
  let args = JSON.stringify(valueForSchema(tool.parameters, rng, u, { allProperties: false }));
  const nameTokens = loadBpe().encode(tool.name).length;
  let argTokens = loadBpe().encode(args);
  let finishReason: FinishReason = 'tool_calls';
  if (maxTokens !== undefined && nameTokens + argTokens.length > maxTokens) {
    // A real model runs out of budget mid-arguments: the JSON is cut and the finish is `length`.
    argTokens = argTokens.slice(0, Math.max(0, maxTokens - nameTokens));
    args = loadBpe().decode(argTokens);
    argTokens = loadBpe().encode(args);
    finishReason = 'length';
  }
  const id = `call_${mix(seed, 0x7001 + index).toString(36)}${rng.int(0, 1e9).toString(36)}`;
  return {
    index,
    text: null,
    toolCalls: [{ id, name: tool.name, arguments: args }],
    finishReason,
    stopSequence: null,
    outputTokens: nameTokens + argTokens.length,
  };
}

/** What of a content part identifies the request: its text, URL or data. */
function partKey(p: ContentPart): string {
  switch (p.type) {
    case 'text':
      return p.text;
    case 'image':
      return p.url;
    case 'file':
      return p.text ?? p.url ?? p.data ?? '';
    case 'thinking':
      return p.thinking;
    case 'redacted_thinking':
      return p.data;
  }
}
