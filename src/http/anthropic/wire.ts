/**
 * The inbound Anthropic Messages API edge. This file validates and translates requests; the
 * response (wire-response.ts) and SSE (wire-stream.ts) encoders are re-exported here so route
 * handlers import one module.
 */
import { z } from 'zod';
import type { ChatMessage, ChatRequest, ContentPart, JsonObject, ToolChoice } from '../../canonical/types.js';
import { KeelError } from '../../errors.js';

export {
  isAnthropicClient,
  toAnthropicModel,
  toAnthropicModelList,
  toMessagesResponse,
} from './wire-response.js';
export { createMessagesStreamEncoder, type MessagesStreamEncoder } from './wire-stream.js';

import {
  assistantMessage,
  cacheControl,
  contentBlock,
  pushUserBlocks,
  textBlock,
  textPart,
} from './wire-content.js';

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
