/** Canonical request → OpenAI Chat Completions / Embeddings wire bodies. */

import type {
  ChatMessage,
  ChatRequest,
  ContentPart,
  EmbeddingsRequest,
  ResponseFormat,
  ToolChoice,
} from '../../canonical/types.js';
import type { ProviderConfig } from '../../config/schema.js';
import { refuseUnsupported } from '../capabilities.js';

export type MaxTokensField = 'max_tokens' | 'max_completion_tokens';

interface ChatBodyOptions {
  /** Sent as `model`; undefined for Azure, where the deployment in the URL picks the model. */
  model: string | undefined;
  maxTokensField: MaxTokensField;
  stream: boolean;
  /** Decides which Anthropic-only and optional fields this target can honour (capabilities.ts); default openai-compatible. */
  kind?: ProviderConfig['kind'];
}

type WireBody = Record<string, unknown>;

function joinText(parts: ContentPart[], sep: string): string {
  if (parts.length === 1 && parts[0]!.type === 'text') return parts[0]!.text;
  let out = '';
  let first = true;
  for (const p of parts) {
    if (p.type !== 'text') continue;
    out = first ? p.text : out + sep + p.text;
    first = false;
  }
  return out;
}

/**
 * Files go as Chat Completions `file` parts with inline data (a URL was refused before, see
 * capabilities.ts); plain-text documents as text. Thinking blocks have no counterpart and are dropped.
 */
function wirePart(p: ContentPart): WireBody | null {
  switch (p.type) {
    case 'text':
      return { type: 'text', text: p.text };
    case 'image':
      return {
        type: 'image_url',
        image_url: p.detail === undefined ? { url: p.url } : { url: p.url, detail: p.detail },
      };
    case 'file': {
      if (p.text !== undefined) return { type: 'text', text: p.text };
      const file: WireBody = { file_data: `data:${p.mediaType};base64,${p.data ?? ''}` };
      file.filename =
        p.filename ?? p.title ?? (p.mediaType === 'application/pdf' ? 'document.pdf' : 'document');
      return { type: 'file', file };
    }
    default:
      return null;
  }
}

/**
 * User content: a single text part goes as a plain string, because many OpenAI-compatible servers
 * (older Ollama, llama.cpp) accept only that; anything richer goes as the parts array.
 */
function userContent(parts: ContentPart[]): string | WireBody[] {
  if (parts.length === 1 && parts[0]!.type === 'text') return parts[0]!.text;
  if (parts.length === 0) return '';
  const out: WireBody[] = [];
  for (const p of parts) {
    const w = wirePart(p);
    if (w) out.push(w);
  }
  return out;
}

function hasText(parts: ContentPart[]): boolean {
  for (const p of parts) if (p.type === 'text') return true;
  return false;
}

function toWireMessage(m: ChatMessage): WireBody {
  switch (m.role) {
    case 'system': {
      // System prompts go as strings: the most widely accepted form across compatible servers.
      const out: WireBody = { role: 'system', content: joinText(m.content, '\n') };
      if (m.name !== undefined) out.name = m.name;
      return out;
    }
    case 'user': {
      const out: WireBody = { role: 'user', content: userContent(m.content) };
      if (m.name !== undefined) out.name = m.name;
      return out;
    }
    case 'assistant': {
      const calls = m.toolCalls;
      const out: WireBody = {
        role: 'assistant',
        content: hasText(m.content) || !calls?.length ? joinText(m.content, '') : null,
      };
      if (m.name !== undefined) out.name = m.name;
      if (calls && calls.length > 0) {
        out.tool_calls = calls.map((c) => ({
          id: c.id,
          type: 'function',
          function: { name: c.name, arguments: c.arguments },
        }));
      }
      return out;
    }
    case 'tool':
      // Tool results are text-only in Chat Completions; images a tool returned cannot be carried.
      return { role: 'tool', tool_call_id: m.toolCallId ?? '', content: joinText(m.content, '\n') };
  }
}

function wireToolChoice(c: ToolChoice): unknown {
  return typeof c === 'string' ? c : { type: 'function', function: { name: c.name } };
}

function wireResponseFormat(f: ResponseFormat): WireBody {
  if (f.type !== 'json_schema') return { type: f.type };
  const js: WireBody = { name: f.name, schema: f.schema };
  if (f.strict !== undefined) js.strict = f.strict;
  if (f.description !== undefined) js.description = f.description;
  return { type: 'json_schema', json_schema: js };
}

/** Anthropic's `output_config.effort` is the reasoning effort OpenAI reasoning models take. */
const EFFORT: Record<string, string> = { low: 'low', medium: 'medium', high: 'high', max: 'high' };

export function toWireChatBody(req: ChatRequest, opts: ChatBodyOptions): WireBody {
  refuseUnsupported(req, opts.kind ?? 'openai-compatible', 'OpenAI-family');
  // Passthrough first so that nothing in it can override what Keel decided (model, stream, …).
  const body: WireBody = req.passthrough ? { ...req.passthrough } : {};
  if (req.logprobs !== undefined) body.logprobs = req.logprobs;
  if (req.topLogprobs !== undefined) body.top_logprobs = req.topLogprobs;
  if (req.topK !== undefined) body.top_k = req.topK;
  const effort = req.outputConfig?.effort;
  if (typeof effort === 'string' && EFFORT[effort]) body.reasoning_effort = EFFORT[effort];
  if (opts.model !== undefined) body.model = opts.model;
  else delete body.model;
  const msgs = new Array<WireBody>(req.messages.length);
  for (let i = 0; i < req.messages.length; i++) msgs[i] = toWireMessage(req.messages[i]!);
  body.messages = msgs;
  if (req.maxTokens !== undefined) {
    body[opts.maxTokensField] = req.maxTokens;
    delete body[opts.maxTokensField === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens'];
  }
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.stop !== undefined && req.stop.length > 0) body.stop = req.stop;
  if (req.n !== undefined) body.n = req.n;
  if (req.seed !== undefined) body.seed = req.seed;
  if (req.user !== undefined) body.user = req.user;
  if (req.tools !== undefined && req.tools.length > 0) {
    body.tools = req.tools.map((t) => {
      const fn: WireBody = { name: t.name };
      if (t.description !== undefined) fn.description = t.description;
      fn.parameters = t.parameters;
      if (t.strict !== undefined) fn.strict = t.strict;
      return { type: 'function', function: fn };
    });
  }
  if (req.toolChoice !== undefined) body.tool_choice = wireToolChoice(req.toolChoice);
  if (req.parallelToolCalls !== undefined) body.parallel_tool_calls = req.parallelToolCalls;
  if (req.responseFormat !== undefined) body.response_format = wireResponseFormat(req.responseFormat);
  if (opts.stream) {
    body.stream = true;
    // Always ask for usage: Keel records it whether or not the client asked for it.
    body.stream_options = { include_usage: true };
  } else {
    delete body.stream;
    delete body.stream_options;
  }
  return body;
}

export function toWireEmbeddingsBody(req: EmbeddingsRequest, model: string | undefined): WireBody {
  const body: WireBody = {};
  if (model !== undefined) body.model = model;
  body.input = req.input;
  // Keel re-encodes to base64 for clients that want it; floats keep the upstream parse trivial.
  body.encoding_format = 'float';
  if (req.dimensions !== undefined) body.dimensions = req.dimensions;
  if (req.user !== undefined) body.user = req.user;
  return body;
}
