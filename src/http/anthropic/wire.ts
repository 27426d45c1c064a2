/**
 * The inbound Anthropic Messages API edge. This file validates and translates requests; the
 * response (wire-response.ts) and SSE (wire-stream.ts) encoders are re-exported here so route
 * handlers import one module.
 */
import { z } from 'zod';
import type {
  ChatMessage,
  ChatRequest,
  ContentPart,
  FilePart,
  JsonObject,
  ToolCall,
  ToolChoice,
} from '../../canonical/types.js';
import { KeelError } from '../../errors.js';

export {
  isAnthropicClient,
  toAnthropicModel,
  toAnthropicModelList,
  toMessagesResponse,
} from './wire-response.js';
export { createMessagesStreamEncoder, type MessagesStreamEncoder } from './wire-stream.js';

const cacheControl = z.record(z.string(), z.unknown()).nullish();

const textBlock = z.object({
  type: z.literal('text'),
  text: z.string(),
  cache_control: cacheControl,
  citations: z.unknown().optional(),
});
const imageBlock = z.object({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.object({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string() }),
    z.object({ type: z.literal('url'), url: z.string().min(1) }),
  ]),
  cache_control: cacheControl,
});
const documentBlock = z.object({
  type: z.literal('document'),
  source: z.discriminatedUnion('type', [
    z.object({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string() }),
    z.object({ type: z.literal('url'), url: z.string().min(1) }),
    z.object({ type: z.literal('text'), media_type: z.string().optional(), data: z.string() }),
  ]),
  title: z.string().nullish(),
  context: z.string().nullish(),
  citations: z.record(z.string(), z.unknown()).nullish(),
  cache_control: cacheControl,
});
const toolUseBlock = z.object({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.unknown(),
  cache_control: cacheControl,
});
const toolResultBlock = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z
    .union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock, documentBlock]))])
    .optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControl,
});
// Clients send thinking blocks back unchanged in later turns; Anthropic checks their signatures.
const thinkingBlock = z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() });
const redactedThinkingBlock = z.object({ type: z.literal('redacted_thinking'), data: z.string() });

const contentBlock = z.discriminatedUnion('type', [
  textBlock,
  imageBlock,
  documentBlock,
  toolUseBlock,
  toolResultBlock,
  thinkingBlock,
  redactedThinkingBlock,
]);

const messagesRequestSchema = z.object({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z
    .array(
      z.object({
        role: z.enum(['user', 'assistant']),
        content: z.union([z.string(), z.array(contentBlock)]),
      }),
    )
    .min(1),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
  thinking: z
    .looseObject({ type: z.string().min(1), budget_tokens: z.number().int().positive().optional() })
    .optional(),
  stream: z.boolean().optional(),
  tools: z
    .array(
      z.object({
        type: z
          .literal('custom', {
            error: 'only custom tools (with an input_schema) are supported, not server tools',
          })
          .nullish(),
        name: z.string().min(1),
        description: z.string().optional(),
        input_schema: z.record(z.string(), z.unknown()),
        strict: z.boolean().optional(),
        cache_control: cacheControl,
      }),
    )
    .optional(),
  tool_choice: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
      z.object({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
      z.object({ type: z.literal('none') }),
      z.object({
        type: z.literal('tool'),
        name: z.string().min(1),
        disable_parallel_tool_use: z.boolean().optional(),
      }),
    ])
    .optional(),
  output_config: z
    .looseObject({
      format: z
        .object({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) })
        .nullish(),
    })
    .optional(),
  // Unknown keys are stripped by z.object, so nothing a client sends can reach upstream URLs or keys.
});

type MessagesRequest = z.infer<typeof messagesRequestSchema>;

/** `count_tokens` takes a Messages body without `max_tokens` (and without stream). */
export function parseCountTokensRequest(body: unknown): ChatRequest {
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && !('max_tokens' in body))
    return parseMessagesRequest(Object.assign({ max_tokens: 1 }, body));
  return parseMessagesRequest(body);
}

/** The `anthropic-beta` header's comma-separated values. */
export function betasOf(header: string | undefined): string[] | undefined {
  if (!header) return undefined;
  const out = header
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  return out.length > 0 ? out : undefined;
}
type ContentBlock = z.infer<typeof contentBlock>;
type MediaBlock = z.infer<typeof textBlock> | z.infer<typeof imageBlock> | z.infer<typeof documentBlock>;

/**
 * Messages API fields that run tools or state on Anthropic's side (MCP servers, code-execution
 * containers, context editing): Keel cannot honour them through any target, so it says so instead
 * of stripping them.
 */
const UNSUPPORTED_FIELDS = ['mcp_servers', 'container', 'context_management'] as const;

/** Validate an Anthropic Messages request body and translate it into the canonical request. */
export function parseMessagesRequest(body: unknown): ChatRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new KeelError('invalid_request', 'The request body must be a JSON object.', { param: null });
  }
  for (const field of UNSUPPORTED_FIELDS)
    if ((body as Record<string, unknown>)[field] != null)
      throw new KeelError('unsupported_feature', `\`${field}\` is not supported through Keel.`, {
        param: field,
      });
  const parsed = messagesRequestSchema.safeParse(body);
  if (!parsed.success) {
    const { path, message } = describeIssue(parsed.error.issues[0], []);
    const param = path.join('.');
    throw new KeelError('invalid_request', param ? `${param}: ${message}` : message, {
      param: param || null,
    });
  }
  return toChatRequest(parsed.data);
}

function toChatRequest(b: MessagesRequest): ChatRequest {
  const messages: ChatMessage[] = [];
  if (b.system !== undefined) {
    const content: ContentPart[] =
      typeof b.system === 'string' ? [{ type: 'text', text: b.system }] : b.system.map((t) => textPart(t));
    if (content.some((p) => p.type === 'text' && p.text)) messages.push({ role: 'system', content });
  }
  for (const m of b.messages) {
    if (typeof m.content === 'string')
      messages.push({ role: m.role, content: [{ type: 'text', text: m.content }] });
    else if (m.role === 'assistant') messages.push(assistantMessage(m.content));
    else pushUserBlocks(messages, m.content);
  }

  const req: ChatRequest = { model: b.model, messages, maxTokens: b.max_tokens, stream: b.stream === true };
  if (b.temperature !== undefined) req.temperature = b.temperature;
  if (b.top_p !== undefined) req.topP = b.top_p;
  if (b.stop_sequences && b.stop_sequences.length > 0) req.stop = b.stop_sequences;
  if (b.metadata?.user_id) req.user = b.metadata.user_id;
  if (b.metadata && Object.keys(b.metadata).length > 0) req.metadata = b.metadata as JsonObject;
  if (b.top_k !== undefined) req.topK = b.top_k;
  if (b.thinking) req.thinking = b.thinking as JsonObject;
  if (b.tools && b.tools.length > 0) {
    req.tools = b.tools.map((t) => {
      const def: NonNullable<ChatRequest['tools']>[number] = {
        name: t.name,
        parameters: t.input_schema as JsonObject,
      };
      if (t.description !== undefined) def.description = t.description;
      if (t.strict !== undefined) def.strict = t.strict;
      if (t.cache_control) def.cacheControl = t.cache_control as JsonObject;
      return def;
    });
  }
  if (b.tool_choice) {
    const tc = b.tool_choice;
    const choice: ToolChoice =
      tc.type === 'auto'
        ? 'auto'
        : tc.type === 'any'
          ? 'required'
          : tc.type === 'none'
            ? 'none'
            : { name: tc.name };
    req.toolChoice = choice;
    if (tc.type !== 'none' && tc.disable_parallel_tool_use === true) req.parallelToolCalls = false;
  }
  const fmt = b.output_config?.format;
  if (fmt) req.responseFormat = { type: 'json_schema', name: 'output', schema: fmt.schema as JsonObject };
  // Kept whole (format included) for Anthropic targets; others read `effort` and responseFormat.
  if (b.output_config && Object.keys(b.output_config).length > 0)
    req.outputConfig = b.output_config as JsonObject;
  return req;
}

function assistantMessage(blocks: ContentBlock[]): ChatMessage {
  const msg: ChatMessage = { role: 'assistant', content: [] };
  for (const b of blocks) {
    if (b.type === 'tool_use') {
      const call: ToolCall = { id: b.id, name: b.name, arguments: JSON.stringify(b.input ?? {}) };
      if (b.cache_control) call.cacheControl = b.cache_control as JsonObject;
      if (msg.toolCalls) msg.toolCalls.push(call);
      else msg.toolCalls = [call];
    } else if (b.type === 'thinking')
      msg.content.push({ type: 'thinking', thinking: b.thinking, signature: b.signature });
    else if (b.type === 'redacted_thinking') msg.content.push({ type: 'redacted_thinking', data: b.data });
    else if (b.type !== 'tool_result') msg.content.push(mediaPart(b));
    // tool_result in an assistant turn is invalid for Anthropic too.
  }
  return msg;
}

/** A user turn may mix tool results and new input; each tool_result becomes its own tool message. */
function pushUserBlocks(out: ChatMessage[], blocks: ContentBlock[]): void {
  let user: ChatMessage | null = null;
  for (const b of blocks) {
    if (b.type === 'tool_result') {
      user = null;
      const msg: ChatMessage = {
        role: 'tool',
        toolCallId: b.tool_use_id,
        content: toolResultContent(b.content),
      };
      if (b.is_error) msg.isError = true;
      if (b.cache_control) msg.cacheControl = b.cache_control as JsonObject;
      out.push(msg);
    } else if (b.type === 'text' || b.type === 'image' || b.type === 'document') {
      if (!user) {
        user = { role: 'user', content: [] };
        out.push(user);
      }
      user.content.push(mediaPart(b));
    }
    // Thinking blocks belong to assistant turns; in a user turn they have no meaning.
  }
}

function toolResultContent(c: string | MediaBlock[] | undefined): ContentPart[] {
  if (c === undefined) return [];
  if (typeof c === 'string') return [{ type: 'text', text: c }];
  return c.map(mediaPart);
}

function textPart(b: z.infer<typeof textBlock>): ContentPart {
  const p: ContentPart = { type: 'text', text: b.text };
  if (b.cache_control) p.cacheControl = b.cache_control as JsonObject;
  return p;
}

function mediaPart(b: MediaBlock): ContentPart {
  if (b.type === 'text') return textPart(b);
  if (b.type === 'document') return filePart(b);
  const s = b.source;
  const p: ContentPart = {
    type: 'image',
    url: s.type === 'url' ? s.url : `data:${s.media_type};base64,${s.data}`,
  };
  if (b.cache_control) p.cacheControl = b.cache_control as JsonObject;
  return p;
}

function filePart(b: z.infer<typeof documentBlock>): FilePart {
  const s = b.source;
  const p: FilePart =
    s.type === 'base64'
      ? { type: 'file', mediaType: s.media_type, data: s.data }
      : s.type === 'url'
        ? { type: 'file', mediaType: 'application/pdf', url: s.url }
        : { type: 'file', mediaType: 'text/plain', text: s.data };
  if (b.title) p.title = b.title;
  if (b.context) p.context = b.context;
  if (b.citations) p.citations = b.citations as JsonObject;
  if (b.cache_control) p.cacheControl = b.cache_control as JsonObject;
  return p;
}

type Issue = z.core.$ZodIssue;

/** zod reports unions as "Invalid input"; follow the branch that got furthest to name the real problem. */
function describeIssue(
  issue: Issue | undefined,
  base: PropertyKey[],
): { path: PropertyKey[]; message: string } {
  if (!issue) return { path: base, message: 'Invalid request.' };
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    let best: Issue | undefined;
    for (const branch of issue.errors) {
      const first = branch[0];
      if (first && (!best || first.path.length > best.path.length)) best = first;
    }
    if (best && best.path.length > 0) return describeIssue(best, path);
    const expected: string[] = [];
    for (const branch of issue.errors) {
      const first = branch[0];
      if (first?.code === 'invalid_type') expected.push(first.expected);
    }
    if (expected.length > 0) return { path, message: `Invalid input: expected ${expected.join(' or ')}` };
  }
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
    return { path, message: 'Field required' };
  }
  return { path, message: issue.message };
}
