/**
 * The body of `POST /v1/responses`, validated in its wire form. Every field OpenAI defines is either
 * served, or refused with a 400 that names it; a field OpenAI does not define is refused as unknown.
 * Turning the result into a canonical request needs the store (previous_response_id, item
 * references), so that is done by the route (see conversation.ts).
 */
import { z } from 'zod';
import { KeelError } from '../../errors.js';
import { bodyError, type InputItem, parseItem } from './items.js';

const jsonObject = z.record(z.string(), z.unknown());

const functionTool = z.strictObject({
  type: z.literal('function'),
  name: z.string().min(1),
  description: z.string().nullish(),
  parameters: jsonObject.nullish(),
  strict: z.boolean().nullish(),
});

const textFormat = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({ type: z.literal('json_object') }),
  z.strictObject({
    type: z.literal('json_schema'),
    name: z.string().min(1),
    schema: jsonObject,
    description: z.string().nullish(),
    strict: z.boolean().nullish(),
  }),
]);

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.strictObject({ type: z.literal('function'), name: z.string().min(1) }),
]);

export const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;

const bodySchema = z.strictObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.unknown())]).optional(),
  instructions: z.string().nullish(),
  tools: z.array(z.unknown()).nullish(),
  tool_choice: z.unknown().optional(),
  parallel_tool_calls: z.boolean().nullish(),
  text: z
    .strictObject({
      format: textFormat.nullish(),
      verbosity: z.enum(['low', 'medium', 'high']).nullish(),
    })
    .nullish(),
  max_output_tokens: z.int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  // OpenAI's bounds: at most 16 pairs, keys up to 64 characters, values up to 512.
  metadata: z
    .record(z.string().max(64), z.string().max(512))
    .refine((m) => Object.keys(m).length <= 16, 'at most 16 key-value pairs')
    .nullish(),
  reasoning: z
    .strictObject({
      effort: z.enum(EFFORTS).nullish(),
      summary: z.enum(['auto', 'concise', 'detailed']).nullish(),
      generate_summary: z.enum(['auto', 'concise', 'detailed']).nullish(),
    })
    .nullish(),
  store: z.boolean().nullish(),
  previous_response_id: z.string().min(1).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.strictObject({ include_obfuscation: z.boolean().nullish() }).nullish(),
  user: z.string().nullish(),
  safety_identifier: z.string().nullish(),
  prompt_cache_key: z.string().nullish(),
  service_tier: z.enum(['auto', 'default', 'flex', 'scale', 'priority']).nullish(),
  truncation: z.enum(['auto', 'disabled']).nullish(),
  include: z.array(z.string()).nullish(),
  // Defined by OpenAI, served by Keel only in their neutral form (checked below).
  background: z.boolean().nullish(),
  top_logprobs: z.int().nullish(),
  max_tool_calls: z.int().nullish(),
  conversation: z.unknown().optional(),
  prompt: z.unknown().optional(),
  prompt_cache_retention: z.unknown().optional(),
});
type Body = z.infer<typeof bodySchema>;

export type FunctionTool = z.infer<typeof functionTool>;
export type TextFormat = z.infer<typeof textFormat>;
export type ToolChoiceWire = z.infer<typeof toolChoice>;

/** A validated request: the body's own fields, with items and tools parsed. */
export interface ResponsesBody {
  model: string;
  input: InputItem[];
  /** The input was a bare string (it is still one user message in `input`). */
  inputWasString: boolean;
  instructions: string | null;
  tools: FunctionTool[];
  toolChoice: ToolChoiceWire | null;
  parallelToolCalls: boolean | null;
  format: TextFormat | null;
  verbosity: string | null;
  maxOutputTokens: number | null;
  temperature: number | null;
  topP: number | null;
  metadata: Record<string, string>;
  effort: (typeof EFFORTS)[number] | null;
  store: boolean;
  previousResponseId: string | null;
  stream: boolean;
  user: string | null;
  safetyIdentifier: string | null;
  promptCacheKey: string | null;
  serviceTier: string | null;
}

function unsupported(message: string, param: string): KeelError {
  return new KeelError('unsupported_feature', message, { param });
}

// Values that ask for something Keel does not do; their neutral values are accepted.
function refuseUnserved(b: Body): void {
  if (b.background === true)
    throw unsupported('Background responses are not supported by Keel.', 'background');
  if (b.conversation != null)
    throw unsupported('Conversations are not supported; use previous_response_id.', 'conversation');
  if (b.prompt != null) throw unsupported('Stored prompt templates are not supported.', 'prompt');
  if (b.prompt_cache_retention != null)
    throw unsupported('prompt_cache_retention is not supported.', 'prompt_cache_retention');
  if (b.top_logprobs != null && b.top_logprobs > 0)
    throw unsupported('top_logprobs is not supported on /v1/responses.', 'top_logprobs');
  if (b.max_tool_calls != null)
    throw unsupported('max_tool_calls is not supported; Keel runs no hosted tools.', 'max_tool_calls');
  if (b.truncation === 'auto')
    throw unsupported(
      "truncation 'auto' is not supported: Keel never drops input items silently.",
      'truncation',
    );
  if (b.reasoning?.summary != null || b.reasoning?.generate_summary != null)
    throw unsupported(
      'Reasoning summaries are not supported: Keel returns no reasoning items.',
      b.reasoning.summary != null ? 'reasoning.summary' : 'reasoning.generate_summary',
    );
  const include = b.include ?? [];
  for (let i = 0; i < include.length; i++)
    // Keel returns no reasoning items, so there is never encrypted content to include.
    if (include[i] !== 'reasoning.encrypted_content')
      throw unsupported(`include value '${include[i]}' is not supported.`, `include[${i}]`);
}

function parseTools(raw: unknown[], body: unknown): FunctionTool[] {
  const out: FunctionTool[] = [];
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i];
    const type = typeof t === 'object' && t !== null ? (t as { type?: unknown }).type : undefined;
    if (typeof type === 'string' && type !== 'function')
      throw unsupported(
        `Tools of type '${type.slice(0, 60)}' are not supported by Keel: only function tools are.`,
        `tools[${i}].type`,
      );
    const parsed = functionTool.safeParse(t);
    if (!parsed.success) throw bodyError(parsed.error.issues, body, ['tools', i]);
    out.push(parsed.data);
  }
  return out;
}

function parseToolChoice(raw: unknown, body: unknown): ToolChoiceWire | null {
  if (raw == null) return null;
  const type = typeof raw === 'object' ? (raw as { type?: unknown }).type : undefined;
  if (typeof type === 'string' && type !== 'function')
    throw unsupported(
      `tool_choice of type '${type.slice(0, 60)}' is not supported: use 'none', 'auto', 'required' or a function.`,
      'tool_choice.type',
    );
  const parsed = toolChoice.safeParse(raw);
  if (!parsed.success) throw bodyError(parsed.error.issues, body, ['tool_choice']);
  return parsed.data;
}

export function parseResponsesBody(body: unknown): ResponsesBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new KeelError('invalid_request', 'The request body must be a JSON object.', { param: null });
  const parsed = bodySchema.safeParse(body);
  if (!parsed.success) throw bodyError(parsed.error.issues, body);
  const b = parsed.data;
  refuseUnserved(b);
  let input: InputItem[];
  const inputWasString = typeof b.input === 'string';
  if (typeof b.input === 'string') input = [{ role: 'user', content: b.input }];
  else if (b.input === undefined) input = [];
  else input = b.input.map((item, i) => parseItem(item, ['input', i], body));
  if (input.length === 0 && !b.previous_response_id)
    throw new KeelError('invalid_request', "Missing required parameter: 'input'.", { param: 'input' });
  return {
    model: b.model,
    input,
    inputWasString,
    instructions: b.instructions ?? null,
    tools: b.tools ? parseTools(b.tools, body) : [],
    toolChoice: parseToolChoice(b.tool_choice, body),
    parallelToolCalls: b.parallel_tool_calls ?? null,
    format: b.text?.format ?? null,
    verbosity: b.text?.verbosity ?? null,
    maxOutputTokens: b.max_output_tokens ?? null,
    temperature: b.temperature ?? null,
    topP: b.top_p ?? null,
    metadata: b.metadata ?? {},
    effort: b.reasoning?.effort ?? null,
    // OpenAI stores responses unless told not to.
    store: b.store ?? true,
    previousResponseId: b.previous_response_id ?? null,
    stream: b.stream === true,
    user: b.user ?? null,
    safetyIdentifier: b.safety_identifier ?? null,
    promptCacheKey: b.prompt_cache_key ?? null,
    serviceTier: b.service_tier ?? null,
  };
}
