/**
 * Responses API input items (the `input` array, and the output items a stored response hands to the
 * next turn) → canonical chat messages. Items are validated here in their wire form; the same form is
 * what Keel stores, so a stored conversation is re-read through this one translation.
 */
import { z } from 'zod';
import type { ChatMessage, ContentPart } from '../../canonical/types.js';
import { KeelError } from '../../errors.js';
import { issueToError } from '../openai/wire-errors.js';

const inputText = z.strictObject({ type: z.literal('input_text'), text: z.string() });
const inputImage = z.strictObject({
  type: z.literal('input_image'),
  image_url: z.string().min(1).nullish(),
  file_id: z.string().nullish(),
  detail: z.enum(['low', 'high', 'auto']).nullish(),
});
const inputFile = z.strictObject({
  type: z.literal('input_file'),
  file_data: z.string().nullish(),
  file_id: z.string().nullish(),
  file_url: z.string().nullish(),
  filename: z.string().nullish(),
});
const outputText = z.strictObject({
  type: z.literal('output_text'),
  text: z.string(),
  annotations: z.array(z.unknown()).nullish(),
  logprobs: z.array(z.unknown()).nullish(),
});
const refusal = z.strictObject({ type: z.literal('refusal'), refusal: z.string() });

const inputPart = z.discriminatedUnion('type', [inputText, inputImage, inputFile]);
const anyPart = z.discriminatedUnion('type', [inputText, inputImage, inputFile, outputText, refusal]);
export type Part = z.infer<typeof anyPart>;

const status = z.enum(['in_progress', 'completed', 'incomplete']).nullish();

const messageItem = z.strictObject({
  type: z.literal('message').optional(),
  id: z.string().nullish(),
  role: z.enum(['user', 'system', 'developer', 'assistant']),
  content: z.union([z.string(), z.array(anyPart)]),
  status,
  phase: z.string().nullish(),
});
const functionCallItem = z.strictObject({
  type: z.literal('function_call'),
  id: z.string().nullish(),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
  status,
});
const functionCallOutputItem = z.strictObject({
  type: z.literal('function_call_output'),
  id: z.string().nullish(),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(inputPart)]),
  status,
});
const itemReference = z.strictObject({ type: z.literal('item_reference'), id: z.string().min(1) });

/** Item types of the Responses API that need OpenAI's own hosted tools or state. */
const HOSTED_ITEM_TYPES = new Set([
  'reasoning',
  'file_search_call',
  'web_search_call',
  'computer_call',
  'computer_call_output',
  'code_interpreter_call',
  'image_generation_call',
  'local_shell_call',
  'local_shell_call_output',
  'shell_call',
  'shell_call_output',
  'apply_patch_call',
  'apply_patch_call_output',
  'mcp_list_tools',
  'mcp_approval_request',
  'mcp_approval_response',
  'mcp_call',
  'custom_tool_call',
  'custom_tool_call_output',
  'tool_search_call',
  'tool_search_output',
  'compaction',
  'configuration_update',
]);

export type MessageItem = z.infer<typeof messageItem>;
export type FunctionCallItem = z.infer<typeof functionCallItem>;
export type FunctionCallOutputItem = z.infer<typeof functionCallOutputItem>;
export type ItemReference = z.infer<typeof itemReference>;
/** An item Keel can translate: what remains once references are resolved. */
export type ConcreteItem = MessageItem | FunctionCallItem | FunctionCallOutputItem;
export type InputItem = ConcreteItem | ItemReference;

const ITEM_SCHEMAS: Record<string, z.ZodType<InputItem> | undefined> = {
  message: messageItem,
  function_call: functionCallItem,
  function_call_output: functionCallOutputItem,
  item_reference: itemReference,
};

function unsupported(message: string, param: string): KeelError {
  return new KeelError('unsupported_feature', message, { param });
}

export function paramOf(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

/** zod issues → a 400 naming the field; an unknown key is named as OpenAI names it. */
export function bodyError(
  issues: readonly z.core.$ZodIssue[],
  body: unknown,
  prefix: readonly (string | number)[] = [],
): KeelError {
  const first = issues[0];
  if (first?.code === 'unrecognized_keys') {
    const param = paramOf([...prefix, ...(first.path as (string | number)[]), first.keys[0] ?? '']);
    return new KeelError('invalid_request', `Unknown parameter: '${param}'.`, { param });
  }
  return issueToError(issues, body, prefix);
}

const ROLES: ReadonlySet<unknown> = new Set(['user', 'system', 'developer', 'assistant']);

/**
 * `{ role, content: "text" }` (optionally `type: "message"`), the commonest item by far, checked
 * without zod: a long conversation is thousands of them, and each is parsed on the event loop.
 */
function isPlainMessage(raw: Record<string, unknown>): boolean {
  let n = 0;
  for (const k in raw) {
    n++;
    if (k !== 'role' && k !== 'content' && k !== 'type') return false;
  }
  return (
    ROLES.has(raw.role) &&
    typeof raw.content === 'string' &&
    (raw.type === undefined || raw.type === 'message') &&
    n === (raw.type === undefined ? 2 : 3)
  );
}

/**
 * One input item, validated by its own `type` (a message may leave it out) so that an error names
 * the field inside the item; a hosted-tool item is unsupported, an unknown type is invalid.
 */
export function parseItem(raw: unknown, path: readonly (string | number)[], body: unknown): InputItem {
  const param = paramOf(path);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new KeelError('invalid_request', `Invalid type for '${param}': expected an object.`, { param });
  const type = (raw as { type?: unknown }).type;
  if (isPlainMessage(raw as Record<string, unknown>)) return raw as MessageItem;
  const schema = type === undefined ? messageItem : typeof type === 'string' ? ITEM_SCHEMAS[type] : undefined;
  if (!schema) {
    if (typeof type === 'string' && HOSTED_ITEM_TYPES.has(type))
      throw unsupported(
        `Input items of type '${type}' are not supported by Keel's /v1/responses (it serves function tools only).`,
        `${param}.type`,
      );
    throw new KeelError(
      'invalid_request',
      `Invalid value for '${param}.type': '${String(type).slice(0, 60)}'. Supported values are: 'message', 'function_call', 'function_call_output', 'item_reference'.`,
      { param: `${param}.type` },
    );
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw bodyError(parsed.error.issues, body, path);
  return parsed.data;
}

// Text a model can read when inlined: a `data:` URL of one of these media types.
const TEXT_MEDIA = /^(text\/[\w.+-]+|application\/(json|xml|x-ndjson|yaml|x-yaml|csv))$/i;

function dataUrl(url: string): { mediaType: string; base64: boolean; data: string } | null {
  const m = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(url);
  if (!m) return null;
  return { mediaType: m[1] || 'text/plain', base64: /;base64/i.test(m[2] ?? ''), data: m[3] ?? '' };
}

/**
 * `input_file` is served when it can be given to every provider family without loss: a text file
 * sent inline is read as text (with its name), an image sent inline as an image. Documents such as
 * PDFs and files by id or URL need provider-side file handling Keel does not translate.
 */
function filePart(p: z.infer<typeof inputFile>, param: string): ContentPart {
  const parsed = p.file_data ? dataUrl(p.file_data) : null;
  if (!parsed)
    throw unsupported(
      p.file_data
        ? `'${param}.file_data' must be a data: URL (data:<media type>;base64,...).`
        : `Files by ${p.file_id ? 'file_id' : 'file_url'} are not supported; send the file inline in 'file_data'.`,
      p.file_data ? `${param}.file_data` : `${param}.${p.file_id ? 'file_id' : 'file_url'}`,
    );
  if (parsed.mediaType.toLowerCase().startsWith('image/')) return { type: 'image', url: p.file_data! };
  if (!TEXT_MEDIA.test(parsed.mediaType))
    throw unsupported(
      `Files of type '${parsed.mediaType}' are not supported in input_file; text files and images are.`,
      `${param}.file_data`,
    );
  let text: string;
  try {
    text = parsed.base64
      ? Buffer.from(parsed.data, 'base64').toString('utf8')
      : decodeURIComponent(parsed.data);
  } catch {
    throw new KeelError('invalid_request', `'${param}.file_data' is not a valid data: URL.`, {
      param: `${param}.file_data`,
    });
  }
  const name = p.filename ? `${p.filename}:\n` : '';
  return { type: 'text', text: `${name}${text}` };
}

/** Parameter names are built only when an error needs one. */
function contentParts(
  parts: string | Part[],
  paramOfItem: (i: number) => string,
  item: number,
  field: string,
): ContentPart[] {
  if (typeof parts === 'string') return [{ type: 'text', text: parts }];
  const out: ContentPart[] = [];
  for (let j = 0; j < parts.length; j++) {
    const p = parts[j]!;
    const at =
      p.type === 'input_image' || p.type === 'input_file' ? `${paramOfItem(item)}.${field}[${j}]` : '';
    switch (p.type) {
      case 'input_text':
      case 'output_text':
        out.push({ type: 'text', text: p.text });
        break;
      case 'refusal':
        out.push({ type: 'text', text: p.refusal });
        break;
      case 'input_image': {
        if (!p.image_url)
          throw unsupported(
            "Images by file_id are not supported; send 'image_url' (an https or data: URL).",
            `${at}.file_id`,
          );
        const img: ContentPart = { type: 'image', url: p.image_url };
        if (p.detail) img.detail = p.detail;
        out.push(img);
        break;
      }
      case 'input_file':
        out.push(filePart(p, at));
        break;
    }
  }
  return out;
}

/**
 * Items in order → messages. Consecutive function calls (and a function call right after an
 * assistant message) make one assistant turn with several tool calls, as chat APIs expect.
 */
export function itemsToMessages(
  items: readonly ConcreteItem[],
  paramOfItem: (i: number) => string,
): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (item.type === 'function_call') {
      const prev = out[out.length - 1];
      const call = { id: item.call_id, name: item.name, arguments: item.arguments };
      if (prev?.role === 'assistant') {
        prev.toolCalls ??= [];
        prev.toolCalls.push(call);
      } else out.push({ role: 'assistant', content: [], toolCalls: [call] });
    } else if (item.type === 'function_call_output') {
      const content = contentParts(item.output, paramOfItem, i, 'output');
      if (content.some((p) => p.type === 'image'))
        throw unsupported('Images in function call outputs are not supported.', `${paramOfItem(i)}.output`);
      out.push({ role: 'tool', content, toolCallId: item.call_id });
    } else {
      const content = contentParts(item.content, paramOfItem, i, 'content');
      if (item.role === 'assistant') out.push({ role: 'assistant', content });
      else out.push({ role: item.role === 'user' ? 'user' : 'system', content });
    }
  }
  return out;
}
