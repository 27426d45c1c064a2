/**
 * Which request fields each provider family honours. Anthropic-only and OpenAI-only fields are
 * forwarded where the target understands them, translated where a translation exists (in the
 * adapters), dropped only where the originating API itself documents them as optional hints, and
 * otherwise refused with a 400 that names the field. The adapters refuse with `refusal()`; the
 * pipeline reports `droppedFields()` of the target that answered in `x-keel-dropped-fields`.
 */
import type { ChatRequest, ContentPart } from '../canonical/types.js';
import type { ProviderConfig } from '../config/schema.js';
import { UpstreamError } from './types.js';

type Kind = ProviderConfig['kind'];

const OPENAI_FAMILY: ReadonlySet<Kind> = new Set(['openai', 'azure-openai', 'openai-compatible']);

function someBlock(req: ChatRequest, test: (p: ContentPart) => boolean): boolean {
  for (const m of req.messages) for (const p of m.content) if (test(p)) return true;
  return false;
}

function hasCacheControl(req: ChatRequest): boolean {
  if (req.tools?.some((t) => t.cacheControl)) return true;
  for (const m of req.messages) {
    if (m.cacheControl || m.toolCalls?.some((c) => c.cacheControl)) return true;
    for (const p of m.content) if ('cacheControl' in p && p.cacheControl) return true;
  }
  return false;
}

/**
 * Fields a target of this kind ignores, as the client's API documents them being ignorable:
 * `cache_control` (a caching hint; OpenAI and Gemini cache prompts on their own), thinking blocks
 * of earlier turns (Anthropic strips them from context itself), `anthropic-beta`, and `metadata`
 * beyond `user_id` (sent as `user`).
 */
export function droppedFields(req: ChatRequest, kind: Kind): string[] {
  if (kind === 'anthropic' || kind === 'simulator') return [];
  const out: string[] = [];
  if (hasCacheControl(req)) out.push('cache_control');
  if (someBlock(req, (p) => p.type === 'thinking' || p.type === 'redacted_thinking'))
    out.push('thinking_blocks');
  if (req.betas && req.betas.length > 0) out.push('anthropic-beta');
  if (req.metadata && Object.keys(req.metadata).some((k) => k !== 'user_id')) out.push('metadata');
  return out;
}

/** The first field a target of this kind cannot honour, or null. */
export function unsupportedField(req: ChatRequest, kind: Kind): string | null {
  if (kind === 'simulator') return null;
  if (kind === 'anthropic') {
    if (req.logprobs || req.topLogprobs !== undefined) return 'logprobs';
    return null;
  }
  if (req.thinking) return 'thinking';
  if (kind === 'gemini') {
    if (req.logprobs || req.topLogprobs !== undefined) return 'logprobs';
    if (req.outputConfig && Object.keys(req.outputConfig).some((k) => k !== 'format')) return 'output_config';
    return null;
  }
  if (OPENAI_FAMILY.has(kind)) {
    if (req.topK !== undefined && kind !== 'openai-compatible') return 'top_k';
    // Chat Completions takes files as inline data or an uploaded file id, never a URL.
    if (someBlock(req, (p) => p.type === 'file' && p.url !== undefined)) return 'document.source.url';
  }
  return null;
}

/** Throws the 400 for the first field this target cannot honour. */
export function refuseUnsupported(req: ChatRequest, kind: Kind, label: string): void {
  const field = unsupportedField(req, kind);
  if (field === null) return;
  throw new UpstreamError('unsupported', `\`${field}\` is not supported by ${label} targets`, {
    upstreamMessage: `the field \`${field}\` cannot be honoured by this model's ${label} target; remove it or use a model served by a provider that supports it`,
  });
}
