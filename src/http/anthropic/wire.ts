/**
 * The inbound Anthropic Messages API edge. This file validates and translates requests; the
 * response (wire-response.ts) and SSE (wire-stream.ts) encoders are re-exported here so route
 * handlers import one module.
 */
import { z } from 'zod';
import type { ChatMessage, ChatRequest, ContentPart, JsonObject, ToolChoice } from '../../canonical/types.js';
import { KeelError } from '../../errors.js';

export { toMessagesResponse } from './wire-response.js';
export { createMessagesStreamEncoder, type MessagesStreamEncoder } from './wire-stream.js';

const cacheControl = z.unknown().optional();

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
  content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock]))]).optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControl,
});
// Thinking blocks are echoed back by clients in multi-turn conversations; they carry no canonical meaning.
const thinkingBlock = z.object({ type: z.enum(['thinking', 'redacted_thinking']) });

const contentBlock = z.discriminatedUnion('type', [
  textBlock,
  imageBlock,
  toolUseBlock,
  toolResultBlock,
  thinkingBlock,
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
  // Accepted for compatibility and dropped: no canonical counterpart across providers.
  top_k: z.number().int().min(0).optional(),
  metadata: z.object({ user_id: z.string().nullish() }).optional(),
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
    .object({
      format: z
        .object({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) })
        .nullish(),
    })
    .optional(),
  // Unknown keys are stripped by z.object, so nothing a client sends can reach upstream URLs or keys.
});

type MessagesRequest = z.infer<typeof messagesRequestSchema>;
type ContentBlock = z.infer<typeof contentBlock>;
type MediaBlock = z.infer<typeof textBlock> | z.infer<typeof imageBlock>;

/** Validate an Anthropic Messages request body and translate it into the canonical request. */
export function parseMessagesRequest(body: unknown): ChatRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new KeelError('invalid_request', 'The request body must be a JSON object.', { param: null });
  }
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
      typeof b.system === 'string'
        ? [{ type: 'text', text: b.system }]
        : b.system.map((t) => ({ type: 'text', text: t.text }));
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
  if (b.tools && b.tools.length > 0) {
    req.tools = b.tools.map((t) => {
      const def: NonNullable<ChatRequest['tools']>[number] = {
        name: t.name,
        parameters: t.input_schema as JsonObject,
      };
      if (t.description !== undefined) def.description = t.description;
      if (t.strict !== undefined) def.strict = t.strict;
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
  return req;
}

function assistantMessage(blocks: ContentBlock[]): ChatMessage {
  const msg: ChatMessage = { role: 'assistant', content: [] };
  for (const b of blocks) {
    if (b.type === 'text') msg.content.push({ type: 'text', text: b.text });
    else if (b.type === 'tool_use') {
      const call = { id: b.id, name: b.name, arguments: JSON.stringify(b.input ?? {}) };
      if (msg.toolCalls) msg.toolCalls.push(call);
      else msg.toolCalls = [call];
    } else if (b.type === 'image') msg.content.push(imagePart(b));
    // tool_result in an assistant turn is invalid for Anthropic too; thinking is dropped.
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
      out.push(msg);
    } else if (b.type === 'text' || b.type === 'image') {
      if (!user) {
        user = { role: 'user', content: [] };
        out.push(user);
      }
      user.content.push(b.type === 'text' ? { type: 'text', text: b.text } : imagePart(b));
    }
  }
}

function toolResultContent(c: string | MediaBlock[] | undefined): ContentPart[] {
  if (c === undefined) return [];
  if (typeof c === 'string') return [{ type: 'text', text: c }];
  return c.map((b) => (b.type === 'text' ? { type: 'text', text: b.text } : imagePart(b)));
}

function imagePart(b: z.infer<typeof imageBlock>): ContentPart {
  const s = b.source;
  return { type: 'image', url: s.type === 'url' ? s.url : `data:${s.media_type};base64,${s.data}` };
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
