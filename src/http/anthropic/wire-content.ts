/**
 * Anthropic content blocks at the inbound edge: their schemas and their translation into canonical
 * messages and parts (cache_control, documents and thinking signatures kept).
 */
import { z } from 'zod';
import type { ChatMessage, ContentPart, FilePart, JsonObject, ToolCall } from '../../canonical/types.js';

export const cacheControl = z.record(z.string(), z.unknown()).nullish();

export const textBlock = z.object({
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

export const contentBlock = z.discriminatedUnion('type', [
  textBlock,
  imageBlock,
  documentBlock,
  toolUseBlock,
  toolResultBlock,
  thinkingBlock,
  redactedThinkingBlock,
]);

type ContentBlock = z.infer<typeof contentBlock>;
type MediaBlock = z.infer<typeof textBlock> | z.infer<typeof imageBlock> | z.infer<typeof documentBlock>;

export function assistantMessage(blocks: ContentBlock[]): ChatMessage {
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
export function pushUserBlocks(out: ChatMessage[], blocks: ContentBlock[]): void {
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

export function textPart(b: z.infer<typeof textBlock>): ContentPart {
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
