/** OpenAI chat `messages` (every role and content-part form the API accepts) → canonical messages. */
import { z } from 'zod';
import type { ChatMessage, ContentPart, FilePart, ToolCall } from '../../canonical/types.js';
import { KeelError } from '../../errors.js';

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.union([
    z.string().min(1),
    z.object({ url: z.string().min(1), detail: z.string().optional() }),
  ]),
});
// Recognised so the error can say "not supported" rather than "invalid".
const audioPart = z.looseObject({ type: z.literal('input_audio') });
const filePart = z.object({
  type: z.literal('file'),
  file: z.object({
    file_data: z.string().min(1).optional(),
    file_id: z.string().min(1).optional(),
    filename: z.string().optional(),
  }),
});
const refusalPart = z.object({ type: z.literal('refusal'), refusal: z.string() });

const textContent = z.union([z.string(), z.array(textPart)]);
const toolCall = z.object({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string(), arguments: z.string() }),
});
const functionCall = z.object({ name: z.string(), arguments: z.string() });

export const message = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: textContent, name: z.string().optional() }),
  z.object({ role: z.literal('developer'), content: textContent, name: z.string().optional() }),
  z.object({
    role: z.literal('user'),
    content: z.union([
      z.string(),
      z.array(z.discriminatedUnion('type', [textPart, imagePart, audioPart, filePart])),
    ]),
    name: z.string().optional(),
  }),
  z.object({
    role: z.literal('assistant'),
    content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textPart, refusalPart]))]).nullish(),
    name: z.string().optional(),
    tool_calls: z.array(toolCall).nullish(),
    function_call: functionCall.nullish(),
    refusal: z.string().nullish(),
  }),
  z.object({ role: z.literal('tool'), content: textContent, tool_call_id: z.string() }),
  z.object({ role: z.literal('function'), content: z.string().nullable(), name: z.string() }),
]);
type WireMessage = z.infer<typeof message>;

function unsupported(msg: string, param: string): KeelError {
  return new KeelError('unsupported_feature', msg, { param });
}

function textParts(c: string | { text: string }[]): ContentPart[] {
  if (typeof c === 'string') return [{ type: 'text', text: c }];
  return c.map((p) => ({ type: 'text', text: p.text }));
}

/**
 * A `file` part with inline data (`data:<type>;base64,…`). Uploaded file ids live in one OpenAI
 * account's storage, which no other target (nor Keel) can read: refused by name.
 */
function fileContent(
  f: { file_data?: string; file_id?: string; filename?: string },
  param: string,
): FilePart {
  if (f.file_data === undefined)
    throw unsupported(
      "File parts need inline 'file_data' (a base64 data URL); uploaded 'file_id' references are not supported.",
      `${param}.file_id`,
    );
  const m = /^data:([^;,]+)(?:;[^,]*)?;base64,/.exec(f.file_data);
  const out: FilePart = m
    ? { type: 'file', mediaType: m[1]!, data: f.file_data.slice(m[0].length) }
    : { type: 'file', mediaType: 'application/pdf', data: f.file_data };
  if (f.filename !== undefined) out.filename = f.filename;
  return out;
}

export function translateMessages(list: WireMessage[]): ChatMessage[] {
  const out = new Array<ChatMessage>(list.length);
  // Legacy `function` results carry no id: pair each with the assistant `function_call` before it.
  let lastFunctionCallId: string | undefined;
  for (let i = 0; i < list.length; i++) {
    const m = list[i]!;
    switch (m.role) {
      case 'system':
      case 'developer':
      case 'user': {
        let content: ContentPart[];
        if (typeof m.content === 'string') content = [{ type: 'text', text: m.content }];
        else {
          content = [];
          for (let j = 0; j < m.content.length; j++) {
            const p = m.content[j]!;
            if (p.type === 'text') content.push({ type: 'text', text: p.text });
            else if (p.type === 'image_url') {
              const img = p.image_url;
              if (typeof img === 'string') content.push({ type: 'image', url: img });
              else if (img.detail !== undefined)
                content.push({ type: 'image', url: img.url, detail: img.detail });
              else content.push({ type: 'image', url: img.url });
            } else if (p.type === 'input_audio')
              throw unsupported(
                "Audio input is not supported: audio tokens are priced apart from text and Keel's price table does not price them, so budgets could not hold.",
                `messages[${i}].content[${j}].input_audio`,
              );
            else content.push(fileContent(p.file, `messages[${i}].content[${j}].file`));
          }
        }
        const msg: ChatMessage = { role: m.role === 'user' ? 'user' : 'system', content };
        if (m.name !== undefined) msg.name = m.name;
        out[i] = msg;
        break;
      }
      case 'assistant': {
        const content: ContentPart[] = [];
        if (typeof m.content === 'string') {
          if (m.content !== '') content.push({ type: 'text', text: m.content });
        } else if (m.content) {
          for (const p of m.content)
            content.push({ type: 'text', text: p.type === 'text' ? p.text : p.refusal });
        }
        const msg: ChatMessage = { role: 'assistant', content };
        if (m.name !== undefined) msg.name = m.name;
        const calls: ToolCall[] = [];
        if (m.tool_calls) {
          for (const c of m.tool_calls)
            calls.push({ id: c.id, name: c.function.name, arguments: c.function.arguments });
        }
        if (m.function_call) {
          lastFunctionCallId = `call_fn_${i}`;
          calls.push({
            id: lastFunctionCallId,
            name: m.function_call.name,
            arguments: m.function_call.arguments,
          });
        }
        if (calls.length > 0) msg.toolCalls = calls;
        out[i] = msg;
        break;
      }
      case 'tool':
        out[i] = { role: 'tool', content: textParts(m.content), toolCallId: m.tool_call_id };
        break;
      case 'function':
        out[i] = {
          role: 'tool',
          content: [{ type: 'text', text: m.content ?? '' }],
          toolCallId: lastFunctionCallId ?? `call_fn_${m.name}`,
          name: m.name,
        };
        break;
    }
  }
  return out;
}
