import {
  type ChatMessage,
  type ChatRequest,
  type ContentPart,
  type JsonObject,
  toolInputObject,
} from '../../canonical/types.js';
import { refuseUnsupported } from '../capabilities.js';
import { UpstreamError } from '../types.js';
import type {
  AnthropicDocumentBlock,
  AnthropicImageBlock,
  AnthropicMessage,
  AnthropicRequestBlock,
  AnthropicRequestBody,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolChoice,
  AnthropicToolResultBlock,
} from './types.js';

/** Anthropic requires max_tokens; OpenAI-shaped clients usually omit it. */
export const DEFAULT_MAX_TOKENS = 4096;

const JSON_ONLY_INSTRUCTION =
  'Respond with a single valid JSON object only: no prose before or after it, no Markdown code fences.';

/**
 * Canonical → Anthropic Messages body.
 *
 * Choices worth knowing (also in docs/providers):
 * - Every system message, wherever it sits, is hoisted into `system` in order; Anthropic has no
 *   system role inside `messages`, and turning a system prompt into user text would weaken it.
 * - `responseFormat` json_object / json_schema become an extra system instruction (Anthropic has no
 *   JSON mode on 2023-06-01); we do not prefill `{` because that would strip it from the answer.
 * - Assistant tool-call arguments that are not a JSON object (invalid JSON, arrays, "") are sent as
 *   `{}`: Anthropic rejects a non-object `input`, and failing the whole conversation over one past
 *   malformed call would be worse than losing its arguments.
 * - Temperature is clamped to Anthropic's 0..1 (OpenAI allows up to 2).
 * - `seed`, `passthrough` and `responseFormat.strict` have no Anthropic equivalent and are dropped.
 * - Anthropic's own fields (cache_control on every block kind, thinking blocks with their
 *   signatures, documents, top_k, thinking, metadata, output_config) are forwarded as the client sent
 *   them; a request that arrived with `output_config.format` keeps it instead of the JSON instruction.
 */
export function toAnthropicRequest(req: ChatRequest, model: string, stream: boolean): AnthropicRequestBody {
  refuseUnsupported(req, 'anthropic', 'Anthropic');
  if (req.n !== undefined && req.n > 1) {
    throw new UpstreamError(
      'unsupported',
      'Anthropic models return one choice per request; n > 1 is not supported',
    );
  }
  const system: AnthropicTextBlock[] = [];
  // Consecutive same-role messages merge into one turn; tool_result blocks must lead their user turn.
  const turns: {
    role: 'user' | 'assistant';
    results: AnthropicToolResultBlock[];
    others: AnthropicRequestBlock[];
  }[] = [];
  for (const m of req.messages) {
    if (m.role === 'system') {
      for (const p of m.content)
        if (p.type === 'text' && p.text) system.push(cached({ type: 'text', text: p.text }, p.cacheControl));
      continue;
    }
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const others = m.role === 'tool' ? null : m.role === 'assistant' ? assistantBlocks(m) : userBlocks(m);
    if (others !== null && others.length === 0) continue;
    let turn = turns[turns.length - 1];
    if (!turn || turn.role !== role) {
      turn = { role, results: [], others: [] };
      turns.push(turn);
    }
    if (others === null) turn.results.push(toolResultBlock(m));
    else for (const b of others) turn.others.push(b);
  }
  const messages: AnthropicMessage[] = turns.map((t) => ({
    role: t.role,
    content: t.results.length === 0 ? t.others : [...t.results, ...t.others],
  }));

  const fmt = req.outputConfig?.format ? undefined : req.responseFormat;
  if (fmt?.type === 'json_object') system.push({ type: 'text', text: JSON_ONLY_INSTRUCTION });
  else if (fmt?.type === 'json_schema') {
    system.push({
      type: 'text',
      text: `${JSON_ONLY_INSTRUCTION} The object must conform to this JSON Schema (${fmt.name}): ${JSON.stringify(fmt.schema)}`,
    });
  }

  const body: AnthropicRequestBody = {
    model,
    max_tokens: req.maxTokens ?? DEFAULT_MAX_TOKENS,
    messages,
  };
  if (system.length === 1 && !system[0]!.cache_control) body.system = system[0]!.text;
  else if (system.length > 0) body.system = system;
  if (req.stop && req.stop.length > 0) body.stop_sequences = req.stop;
  if (req.temperature !== undefined) body.temperature = Math.min(1, Math.max(0, req.temperature));
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.tools && req.tools.length > 0) {
    body.tools = req.tools.map(toAnthropicTool);
    const choice = toAnthropicToolChoice(req.toolChoice, req.parallelToolCalls);
    if (choice) body.tool_choice = choice;
  }
  if (req.metadata) body.metadata = req.metadata;
  else if (req.user) body.metadata = { user_id: req.user };
  if (req.topK !== undefined) body.top_k = req.topK;
  if (req.thinking) body.thinking = req.thinking;
  if (req.outputConfig) body.output_config = req.outputConfig;
  if (stream) body.stream = true;
  return body;
}

function cached<T extends object>(block: T, cc: JsonObject | undefined): T {
  if (cc) (block as { cache_control?: JsonObject }).cache_control = cc;
  return block;
}

function toAnthropicTool(t: NonNullable<ChatRequest['tools']>[number]): AnthropicTool {
  const tool: AnthropicTool = {
    name: t.name,
    // Anthropic insists on an object schema; OpenAI tools may omit parameters entirely.
    input_schema:
      t.parameters.type === undefined ? { type: 'object', properties: {}, ...t.parameters } : t.parameters,
  };
  if (t.description) tool.description = t.description;
  if (t.strict !== undefined) tool.strict = t.strict;
  return cached(tool, t.cacheControl);
}

function toAnthropicToolChoice(
  choice: ChatRequest['toolChoice'],
  parallel: boolean | undefined,
): AnthropicToolChoice | undefined {
  if (choice === 'none') return { type: 'none' };
  const disable = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallel === false ? { type: 'auto', ...disable } : undefined;
  if (choice === 'auto') return { type: 'auto', ...disable };
  if (choice === 'required') return { type: 'any', ...disable };
  return { type: 'tool', name: choice.name, ...disable };
}

function userBlocks(m: ChatMessage): AnthropicRequestBlock[] {
  const out: AnthropicRequestBlock[] = [];
  for (const p of m.content) {
    const b = partBlock(p);
    if (b) out.push(b);
  }
  return out;
}

/** Thinking blocks go back exactly as they came (signature included), ahead of text and tool calls. */
function assistantBlocks(m: ChatMessage): AnthropicRequestBlock[] {
  const out: AnthropicRequestBlock[] = [];
  for (const p of m.content) {
    if (p.type === 'thinking') out.push({ type: 'thinking', thinking: p.thinking, signature: p.signature });
    else if (p.type === 'redacted_thinking') out.push({ type: 'redacted_thinking', data: p.data });
  }
  for (const p of m.content) {
    if (p.type === 'thinking' || p.type === 'redacted_thinking') continue;
    const b = partBlock(p);
    if (b) out.push(b);
  }
  if (m.toolCalls) {
    for (const c of m.toolCalls)
      out.push(
        cached(
          { type: 'tool_use', id: c.id, name: c.name, input: toolInputObject(c.arguments) },
          c.cacheControl,
        ),
      );
  }
  return out;
}

function toolResultBlock(m: ChatMessage): AnthropicToolResultBlock {
  const block: AnthropicToolResultBlock = { type: 'tool_result', tool_use_id: m.toolCallId ?? '' };
  let onlyText = true;
  let text = '';
  for (const p of m.content) {
    if (p.type === 'text') text += p.text;
    else onlyText = false;
  }
  if (onlyText) {
    if (text) block.content = text;
  } else {
    const parts: (AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock)[] = [];
    for (const p of m.content) {
      const b = partBlock(p);
      if (b) parts.push(b);
    }
    block.content = parts;
  }
  if (m.isError) block.is_error = true;
  return cached(block, m.cacheControl);
}

/** Empty text parts are dropped: Anthropic rejects empty text blocks. Thinking never sits in user turns. */
function partBlock(p: ContentPart): AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock | null {
  switch (p.type) {
    case 'text':
      return p.text ? cached<AnthropicTextBlock>({ type: 'text', text: p.text }, p.cacheControl) : null;
    case 'image':
      return cached<AnthropicImageBlock>({ type: 'image', source: imageSource(p.url) }, p.cacheControl);
    case 'file':
      return documentBlock(p);
    default:
      return null;
  }
}

/** A non-PDF base64 file (text/plain, CSV…) goes as a plain-text document: Anthropic takes only PDFs as base64. */
function documentBlock(p: Extract<ContentPart, { type: 'file' }>): AnthropicDocumentBlock {
  let source: AnthropicDocumentBlock['source'];
  if (p.url !== undefined) source = { type: 'url', url: p.url };
  else if (p.text !== undefined) source = { type: 'text', media_type: 'text/plain', data: p.text };
  else if (p.mediaType === 'application/pdf')
    source = { type: 'base64', media_type: p.mediaType, data: p.data ?? '' };
  else
    source = {
      type: 'text',
      media_type: 'text/plain',
      data: Buffer.from(p.data ?? '', 'base64').toString('utf8'),
    };
  const block: AnthropicDocumentBlock = { type: 'document', source };
  const title = p.title ?? p.filename;
  if (title !== undefined) block.title = title;
  if (p.context !== undefined) block.context = p.context;
  if (p.citations !== undefined) block.citations = p.citations;
  return cached(block, p.cacheControl);
}

function imageSource(url: string): AnthropicImageBlock['source'] {
  if (!url.startsWith('data:')) return { type: 'url', url };
  const comma = url.indexOf(',');
  const header = comma < 0 ? url.slice(5) : url.slice(5, comma);
  const payload = comma < 0 ? '' : url.slice(comma + 1);
  if (header.endsWith(';base64')) return { type: 'base64', media_type: header.slice(0, -7), data: payload };
  const mediaType = header.split(';', 1)[0] ?? '';
  return {
    type: 'base64',
    media_type: mediaType,
    data: Buffer.from(decodeURIComponent(payload)).toString('base64'),
  };
}
