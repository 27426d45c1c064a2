import type { ChatChoice, ChatResponse, FinishReason, ToolCall, Usage } from '../../canonical/types.js';
import { randomId } from '../shared/ids.js';
import { UpstreamError } from '../types.js';

/**
 * Gemini responses → canonical. Bodies are checked with plain type tests (this runs on every call)
 * and anything that is not the expected shape becomes `invalid_response`.
 */

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export interface ResponseContext {
  /** The model Keel asked for, used when the response carries no `modelVersion`. */
  model: string;
  /** Epoch seconds. */
  created: number;
  /** Called for each tool call that came with a thought signature, to replay it next turn. */
  onSignature?: (toolCallId: string, signature: string) => void;
}

const CONTENT_FILTER = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
]);

export function mapFinishReason(reason: string, hasToolCalls: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (CONTENT_FILTER.has(reason)) return 'content_filter';
  // STOP, and OTHER / LANGUAGE / MALFORMED_FUNCTION_CALL, which have no closer canonical reason.
  return hasToolCalls ? 'tool_calls' : 'stop';
}

/**
 * usageMetadata → canonical. `promptTokenCount` already includes cached content (OpenAI semantics);
 * thinking tokens are billed as output but reported apart from `candidatesTokenCount`, so they are
 * added; tokens of tool-use prompts (built-in tools) are billed as input and reported apart too.
 */
export function fromGeminiUsage(u: unknown): Usage | undefined {
  if (!isObj(u)) return undefined;
  if (typeof u.promptTokenCount !== 'number' && typeof u.candidatesTokenCount !== 'number') return undefined;
  const thoughts = num(u.thoughtsTokenCount);
  return {
    inputTokens: num(u.promptTokenCount) + num(u.toolUsePromptTokenCount),
    cachedInputTokens: num(u.cachedContentTokenCount),
    cacheWriteTokens: 0,
    outputTokens: num(u.candidatesTokenCount) + thoughts,
    reasoningTokens: thoughts,
  };
}

/** A prompt Gemini refused to answer at all: caused by the request, so never retried elsewhere. */
export function promptBlocked(body: Obj): UpstreamError | undefined {
  const pf = body.promptFeedback;
  if (!isObj(pf) || typeof pf.blockReason !== 'string') return undefined;
  const why = typeof pf.blockReasonMessage === 'string' ? ` — ${pf.blockReasonMessage}` : '';
  const message = `Gemini blocked the prompt (blockReason ${pf.blockReason})${why}`;
  return new UpstreamError('bad_request', message, { status: 400, upstreamMessage: message });
}

interface ParsedParts {
  text: string;
  hasText: boolean;
  toolCalls: ToolCall[];
}

/** Text (thinking parts skipped) and function calls of one candidate's parts. */
export function parseParts(parts: unknown, ctx: ResponseContext): ParsedParts {
  const out: ParsedParts = { text: '', hasText: false, toolCalls: [] };
  if (!Array.isArray(parts)) return out;
  for (const p of parts) {
    if (!isObj(p) || p.thought === true) continue;
    if (typeof p.text === 'string') {
      out.text += p.text;
      out.hasText = true;
    }
    const fc = p.functionCall;
    if (isObj(fc) && typeof fc.name === 'string') {
      const id = typeof fc.id === 'string' && fc.id.length > 0 ? fc.id : randomId('call_');
      out.toolCalls.push({ id, name: fc.name, arguments: JSON.stringify(isObj(fc.args) ? fc.args : {}) });
      if (typeof p.thoughtSignature === 'string') ctx.onSignature?.(id, p.thoughtSignature);
    }
  }
  return out;
}

export function fromGeminiResponse(json: unknown, ctx: ResponseContext): ChatResponse {
  if (!isObj(json))
    throw new UpstreamError('invalid_response', 'Gemini returned a body that is not a JSON object');
  const candidates = json.candidates;
  if (!Array.isArray(candidates) || candidates.length === 0) {
    throw (
      promptBlocked(json) ??
      new UpstreamError('invalid_response', 'Gemini returned no candidates and gave no reason')
    );
  }
  const choices: ChatChoice[] = candidates.map((c: unknown, i) => {
    if (!isObj(c))
      throw new UpstreamError('invalid_response', 'Gemini returned a candidate that is not an object');
    const parsed = parseParts(isObj(c.content) ? c.content.parts : undefined, ctx);
    const hasTools = parsed.toolCalls.length > 0;
    const reason = typeof c.finishReason === 'string' ? c.finishReason : 'STOP';
    return {
      index: typeof c.index === 'number' ? c.index : i,
      message: {
        role: 'assistant',
        // Tool-call-only answers have null content, as OpenAI clients expect.
        content: hasTools && !parsed.hasText ? null : parsed.text,
        ...(hasTools ? { toolCalls: parsed.toolCalls } : {}),
      },
      finishReason: mapFinishReason(reason, hasTools),
    };
  });
  const usage = fromGeminiUsage(json.usageMetadata);
  return {
    id: typeof json.responseId === 'string' && json.responseId ? json.responseId : randomId('chatcmpl-'),
    model: typeof json.modelVersion === 'string' && json.modelVersion ? json.modelVersion : ctx.model,
    created: ctx.created,
    choices,
    ...(usage ? { usage } : {}),
  };
}

/**
 * batchEmbedContents → vectors, in input order. Gemini leaves vectors it shortened with
 * `outputDimensionality` unnormalised (and says to normalise them); OpenAI clients assume unit
 * vectors, so those are normalised here.
 */
export function fromGeminiEmbeddings(json: unknown, expected: number, normalise: boolean): number[][] {
  const list = isObj(json) ? json.embeddings : undefined;
  if (!Array.isArray(list) || list.length !== expected) {
    throw new UpstreamError(
      'invalid_response',
      `Gemini returned ${Array.isArray(list) ? list.length : 'no'} embeddings for ${expected} inputs`,
    );
  }
  return list.map((e: unknown) => {
    const values = isObj(e) ? e.values : undefined;
    if (!Array.isArray(values) || !values.every((v) => typeof v === 'number')) {
      throw new UpstreamError('invalid_response', 'Gemini returned an embedding without numeric values');
    }
    return normalise ? unit(values as number[]) : (values as number[]);
  });
}

function unit(v: number[]): number[] {
  let sum = 0;
  for (const x of v) sum += x * x;
  if (sum === 0) return v;
  const inv = 1 / Math.sqrt(sum);
  return v.map((x) => x * inv);
}
