import type {
  ChatMessage,
  ChatRequest,
  ContentPart,
  EmbeddingsRequest,
  JsonObject,
  JsonValue,
} from '../../canonical/types.js';
import { refuseUnsupported } from '../capabilities.js';
import { UpstreamError } from '../types.js';
import { hasProperties, toGeminiSchema } from './schema.js';
import type { GeminiContent, GeminiGenerationConfig, GeminiPart, GeminiRequest } from './types.js';

/** Canonical chat/embeddings requests → Gemini REST bodies. */

/**
 * Gemini 3 rejects a replayed function call without its thought signature. When the conversation
 * comes from elsewhere (another provider, a client that dropped it), Google documents this value
 * as the way to skip the check.
 */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator';
/**
 * Gemini 1.x/2.x never validate signatures, so they get no made-up one; anything newer or unknown
 * (aliases such as `gemini-flash-latest`) does.
 */
const NO_SIGNATURE_CHECK_RE = /gemini-[12][.-]/;
const QUERY_RE = /[?#]/;
const NUMBER_START_RE = /^-?\d/;

interface RequestOptions {
  model: string;
  /** Thought signatures Gemini sent with earlier tool calls, by Keel's tool call id. */
  signatureFor?: (toolCallId: string) => string | undefined;
}

const EXT_MIME: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

function mimeFromUrl(url: string): string {
  const q = url.search(QUERY_RE);
  const path = q >= 0 ? url.slice(0, q) : url;
  const dot = path.lastIndexOf('.');
  return (dot >= 0 && EXT_MIME[path.slice(dot + 1).toLowerCase()]) || 'image/jpeg';
}

function imagePart(url: string): GeminiPart {
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',');
    if (comma < 0) throw new UpstreamError('bad_request', 'image data URL has no data');
    const meta = url.slice(5, comma);
    const payload = url.slice(comma + 1);
    const isBase64 = meta.endsWith(';base64');
    const mimeType = (isBase64 ? meta.slice(0, -7) : meta).split(';')[0] || 'application/octet-stream';
    const data = isBase64 ? payload : Buffer.from(decodeURIComponent(payload), 'utf8').toString('base64');
    return { inlineData: { mimeType, data } };
  }
  return { fileData: { mimeType: mimeFromUrl(url), fileUri: url } };
}

/** Files go inline (or by URI); thinking blocks from Anthropic-shaped history are dropped. */
function contentParts(content: readonly ContentPart[]): GeminiPart[] {
  const parts: GeminiPart[] = [];
  for (const p of content) {
    if (p.type === 'text') {
      if (p.text.length > 0) parts.push({ text: p.text });
    } else if (p.type === 'image') parts.push(imagePart(p.url));
    else if (p.type === 'file') {
      if (p.text !== undefined) parts.push({ text: p.text });
      else if (p.url !== undefined) parts.push({ fileData: { mimeType: p.mediaType, fileUri: p.url } });
      else parts.push({ inlineData: { mimeType: p.mediaType, data: p.data ?? '' } });
    }
  }
  return parts;
}

function textOf(content: readonly ContentPart[]): string {
  let out = '';
  for (const p of content) if (p.type === 'text') out += p.text;
  return out;
}

function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Gemini wants call arguments as an object; canonical arguments are JSON text. */
function argsObject(args: string): JsonObject {
  if (args.trim() === '') return {};
  try {
    const v = JSON.parse(args) as JsonValue;
    return isObj(v) ? v : { value: v };
  } catch {
    return { arguments: args };
  }
}

/** A functionResponse must be an object: JSON objects pass through, anything else is wrapped. */
function toolResponse(m: ChatMessage): JsonObject {
  const text = textOf(m.content);
  let value: JsonValue = text;
  const t = text.trimStart();
  if (
    t.startsWith('{') ||
    t.startsWith('[') ||
    t === 'true' ||
    t === 'false' ||
    t === 'null' ||
    NUMBER_START_RE.test(t)
  ) {
    try {
      value = JSON.parse(text) as JsonValue;
    } catch {
      value = text;
    }
  }
  if (m.isError) return { error: value };
  return isObj(value) ? value : { result: value };
}

function pushContent(contents: GeminiContent[], role: 'user' | 'model', parts: GeminiPart[]): void {
  if (parts.length === 0) return;
  const last = contents[contents.length - 1];
  // Gemini expects turns to alternate; parallel tool results and a user note after them are one turn.
  if (last && last.role === role) last.parts.push(...parts);
  else contents.push({ role, parts });
}

export function toGeminiRequest(req: ChatRequest, opts: RequestOptions): GeminiRequest {
  refuseUnsupported(req, 'gemini', 'Gemini');
  const out: GeminiRequest = { contents: [] };
  const messages = req.messages;
  let i = 0;
  const system: { text: string }[] = [];
  for (; i < messages.length && messages[i]?.role === 'system'; i++) {
    const text = textOf((messages[i] as ChatMessage).content);
    if (text.length > 0) system.push({ text });
  }
  if (system.length > 0) out.systemInstruction = { parts: system };

  const toolNames = new Map<string, string>();
  const needsSignature = !NO_SIGNATURE_CHECK_RE.test(opts.model);
  for (; i < messages.length; i++) {
    const m = messages[i] as ChatMessage;
    switch (m.role) {
      case 'system':
      case 'user':
        // A system message mid-conversation has no Gemini equivalent; it is kept in place as user text.
        pushContent(out.contents, 'user', contentParts(m.content));
        break;
      case 'assistant': {
        const parts = contentParts(m.content);
        let first = true;
        for (const tc of m.toolCalls ?? []) {
          toolNames.set(tc.id, tc.name);
          const part: GeminiPart = { functionCall: { name: tc.name, args: argsObject(tc.arguments) } };
          // Only the first call of a turn carries the signature (parallel calls share it).
          const sig = opts.signatureFor?.(tc.id) ?? (first && needsSignature ? SKIP_SIGNATURE : undefined);
          if (sig !== undefined) part.thoughtSignature = sig;
          first = false;
          parts.push(part);
        }
        pushContent(out.contents, 'model', parts);
        break;
      }
      case 'tool': {
        const name = (m.toolCallId && toolNames.get(m.toolCallId)) || m.name;
        if (!name) {
          throw new UpstreamError(
            'bad_request',
            'a tool result does not match any earlier tool call, so Gemini cannot name it',
          );
        }
        pushContent(out.contents, 'user', [{ functionResponse: { name, response: toolResponse(m) } }]);
        break;
      }
    }
  }

  if (req.tools && req.tools.length > 0) {
    out.tools = [
      {
        functionDeclarations: req.tools.map((t) => ({
          name: t.name,
          ...(t.description ? { description: t.description } : {}),
          ...(hasProperties(t.parameters) ? { parameters: toGeminiSchema(t.parameters) } : {}),
        })),
      },
    ];
    const choice = req.toolChoice;
    if (choice !== undefined) {
      out.toolConfig = {
        functionCallingConfig:
          typeof choice === 'object'
            ? { mode: 'ANY', allowedFunctionNames: [choice.name] }
            : { mode: choice === 'required' ? 'ANY' : choice === 'none' ? 'NONE' : 'AUTO' },
      };
    }
  }

  const gc: GeminiGenerationConfig = {};
  if (req.maxTokens !== undefined) gc.maxOutputTokens = req.maxTokens;
  if (req.temperature !== undefined) gc.temperature = req.temperature;
  if (req.topP !== undefined) gc.topP = req.topP;
  if (req.topK !== undefined) gc.topK = req.topK;
  if (req.stop && req.stop.length > 0) gc.stopSequences = req.stop;
  if (req.n !== undefined && req.n !== 1) gc.candidateCount = req.n;
  if (req.seed !== undefined) gc.seed = req.seed;
  const rf = req.responseFormat;
  if (rf?.type === 'json_object') gc.responseMimeType = 'application/json';
  else if (rf?.type === 'json_schema') {
    gc.responseMimeType = 'application/json';
    gc.responseSchema = toGeminiSchema(rf.schema);
  }
  if (Object.keys(gc).length > 0) out.generationConfig = gc;
  return out;
}

/** `gemini-2.5-flash` → `models/gemini-2.5-flash`; `tunedModels/x` and `models/x` stay as they are. */
export function modelPath(model: string): string {
  return model.includes('/') ? model : `models/${model}`;
}

export function toGeminiEmbedRequest(
  req: EmbeddingsRequest,
  model: string,
  texts: readonly string[],
): JsonObject {
  const name = modelPath(model);
  return {
    requests: texts.map((text) => ({
      model: name,
      content: { parts: [{ text }] },
      ...(req.dimensions !== undefined ? { outputDimensionality: req.dimensions } : {}),
    })),
  };
}
