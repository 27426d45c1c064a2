/**
 * The inbound OpenAI API edge: request bodies are validated and translated to canonical requests
 * here; the response encoders (wire-response.ts, wire-stream.ts) are re-exported so route handlers
 * import one module.
 */
import { z } from 'zod';
import {
  type ChatRequest,
  type EmbeddingsRequest,
  type JsonObject,
  MAX_CHOICES,
  type ResponseFormat,
  type ToolChoice,
  type ToolDef,
} from '../../canonical/types.js';
import { KeelError } from '../../errors.js';
import { issueToError } from './wire-errors.js';
import { message, translateMessages } from './wire-messages.js';

export { toChatCompletion, toEmbeddingsResponse, toModelList } from './wire-response.js';
export { type ChunkEncoder, createChunkEncoder } from './wire-stream.js';

const jsonObject = z.record(z.string(), z.unknown());
const functionDef = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  parameters: jsonObject.optional(),
  strict: z.boolean().nullish(),
});

const chatSchema = z.object({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  max_tokens: z.int().min(1).nullish(),
  max_completion_tokens: z.int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  n: z.int().min(1).max(MAX_CHOICES).nullish(),
  seed: z.int().nullish(),
  user: z.string().optional(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  tools: z.array(z.object({ type: z.literal('function'), function: functionDef })).nullish(),
  tool_choice: z
    .union([
      z.enum(['none', 'auto', 'required']),
      z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
    ])
    .nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.int().min(0).max(20).nullish(),
  functions: z.array(functionDef).nullish(),
  function_call: z.union([z.enum(['none', 'auto']), z.object({ name: z.string().min(1) })]).nullish(),
  response_format: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('text') }),
      z.object({ type: z.literal('json_object') }),
      z.object({
        type: z.literal('json_schema'),
        json_schema: z.object({
          name: z.string().min(1),
          schema: jsonObject.optional(),
          strict: z.boolean().nullish(),
          description: z.string().optional(),
        }),
      }),
    ])
    .nullish(),
});
type ChatBody = z.infer<typeof chatSchema>;

const KNOWN_CHAT_KEYS: ReadonlySet<string> = new Set(Object.keys(chatSchema.shape));

// Anything that could point Keel's upstream call somewhere else or smuggle credentials is dropped,
// whatever its spelling (`api_base`, `baseURL`, `api-key`, `extra_headers`…).
const NON_ALNUM = /[^a-z0-9]/g;
const BLOCKED_EXACT: ReadonlySet<string> = new Set([
  'apiversion',
  'apitype',
  'url',
  'host',
  'proxy',
  'organization',
  'project',
  'deploymentid',
  'deployment',
  'customllmprovider',
  'extrabody',
  'extraquery',
  'authorization',
  'auth',
]);
// Not 'token': vLLM sampling params such as `min_tokens` and `skip_special_tokens` must pass.
const BLOCKED_PARTS = [
  'apikey',
  'apibase',
  'baseurl',
  'endpoint',
  'header',
  'secret',
  'password',
  'credential',
];

export function isBlockedPassthroughKey(key: string): boolean {
  const k = key.toLowerCase().replace(NON_ALNUM, '');
  if (BLOCKED_EXACT.has(k)) return true;
  for (const part of BLOCKED_PARTS) if (k.includes(part)) return true;
  return false;
}

const EMPTY_PARAMETERS: JsonObject = { type: 'object', properties: {} };

function toolDef(f: z.infer<typeof functionDef>): ToolDef {
  const t: ToolDef = {
    name: f.name,
    parameters: (f.parameters as JsonObject | undefined) ?? EMPTY_PARAMETERS,
  };
  if (f.description !== undefined) t.description = f.description;
  if (typeof f.strict === 'boolean') t.strict = f.strict;
  return t;
}

function translateTools(b: ChatBody): ToolDef[] | undefined {
  const tools: ToolDef[] = [];
  if (b.tools) for (const t of b.tools) tools.push(toolDef(t.function));
  if (b.functions) for (const f of b.functions) tools.push(toolDef(f));
  return tools.length > 0 ? tools : undefined;
}

function translateToolChoice(b: ChatBody): ToolChoice | undefined {
  const c = b.tool_choice ?? b.function_call;
  if (c === undefined || c === null) return undefined;
  if (typeof c === 'string') return c;
  return 'function' in c ? { name: c.function.name } : { name: c.name };
}

function translateResponseFormat(f: NonNullable<ChatBody['response_format']>): ResponseFormat {
  if (f.type !== 'json_schema') return { type: f.type };
  const js = f.json_schema;
  const out: ResponseFormat = {
    type: 'json_schema',
    name: js.name,
    schema: (js.schema as JsonObject | undefined) ?? {},
  };
  if (typeof js.strict === 'boolean') out.strict = js.strict;
  if (js.description !== undefined) out.description = js.description;
  return out;
}

function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new KeelError('invalid_request', 'The request body must be a JSON object.', { param: null });
  }
  return body as Record<string, unknown>;
}

export function parseChatRequest(body: unknown): ChatRequest {
  const raw = requireObject(body);
  const parsed = chatSchema.safeParse(raw);
  if (!parsed.success) throw issueToError(parsed.error.issues, raw);
  const b = parsed.data;
  const req: ChatRequest = {
    model: b.model,
    messages: translateMessages(b.messages),
    stream: b.stream === true,
  };
  const maxTokens = b.max_completion_tokens ?? b.max_tokens;
  if (maxTokens != null) req.maxTokens = maxTokens;
  if (b.temperature != null) req.temperature = b.temperature;
  if (b.top_p != null) req.topP = b.top_p;
  if (b.n != null) req.n = b.n;
  if (b.seed != null) req.seed = b.seed;
  if (b.user !== undefined) req.user = b.user;
  if (b.stop != null) req.stop = typeof b.stop === 'string' ? [b.stop] : b.stop;
  const tools = translateTools(b);
  if (tools) req.tools = tools;
  const choice = translateToolChoice(b);
  if (choice !== undefined) req.toolChoice = choice;
  if (b.parallel_tool_calls != null) req.parallelToolCalls = b.parallel_tool_calls;
  if (b.response_format != null) req.responseFormat = translateResponseFormat(b.response_format);
  if (b.stream_options?.include_usage === true) req.includeUsage = true;
  if (b.logprobs != null) req.logprobs = b.logprobs;
  if (b.top_logprobs != null) req.topLogprobs = b.top_logprobs;
  // Spoken answers (`audio`, `modalities: ["audio"]`) come back in fields Keel does not relay.
  if (raw.audio != null || (Array.isArray(raw.modalities) && raw.modalities.includes('audio')))
    throw new KeelError('unsupported_feature', "Audio output ('audio', 'modalities') is not supported.", {
      param: 'audio',
    });

  let passthrough: JsonObject | undefined;
  for (const key in raw) {
    if (KNOWN_CHAT_KEYS.has(key) || isBlockedPassthroughKey(key)) continue;
    passthrough ??= {};
    // The body came from JSON.parse, so every value is a JSON value.
    passthrough[key] = raw[key] as JsonObject[string];
  }
  if (passthrough) req.passthrough = passthrough;
  return req;
}

const embeddingsSchema = z.object({
  model: z.string().min(1),
  input: z.union([
    z.string().min(1),
    z.array(z.string()).min(1),
    z.array(z.int().min(0)).min(1),
    z.array(z.array(z.int().min(0)).min(1)).min(1),
  ]),
  dimensions: z.int().min(1).nullish(),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  user: z.string().optional(),
});

export function parseEmbeddingsRequest(body: unknown): {
  req: EmbeddingsRequest;
  encodingFormat: 'float' | 'base64';
} {
  const raw = requireObject(body);
  const parsed = embeddingsSchema.safeParse(raw);
  if (!parsed.success) throw issueToError(parsed.error.issues, raw);
  const b = parsed.data;
  let input: string[] | number[][];
  if (typeof b.input === 'string') input = [b.input];
  else if (typeof b.input[0] === 'number') input = [b.input as number[]];
  else input = b.input as string[] | number[][];
  const req: EmbeddingsRequest = { model: b.model, input };
  if (b.dimensions != null) req.dimensions = b.dimensions;
  if (b.user !== undefined) req.user = b.user;
  return { req, encodingFormat: b.encoding_format ?? 'float' };
}
