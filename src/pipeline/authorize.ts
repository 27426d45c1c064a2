import { ipAllowed } from '../access/ip.js';
import type { EndpointScope } from '../access/model.js';
import type { Principal } from '../access/principal.js';
import type { ChatRequest, ToolCall } from '../canonical/types.js';
import { KeelError } from '../errors.js';
import type { RequestContext } from './context.js';
import { capOutput } from './output-cap.js';

function denied(scope: string, message: string, param: string | null = null): KeelError {
  return new KeelError('permission_denied', `${message} (scope: ${scope})`, { param });
}

/**
 * Checks that need only the key and the endpoint: done before the body is read, so a caller outside
 * its scope learns nothing from how Keel parses bodies.
 */
export function authorizeEndpoint(
  principal: Principal | null,
  endpoint: EndpointScope,
  clientIp: string | null,
): void {
  const s = principal?.scopes;
  if (!s) return;
  if (s.cidrs && !ipAllowed(s.cidrs, clientIp))
    throw denied('allowed_cidrs', 'This API key may not be used from this network address.');
  if (!s.endpoints.has(endpoint))
    throw denied('endpoints', `This API key may not call the ${endpoint} endpoint.`);
}

/**
 * The endpoint scope a route is checked against. The Responses API is another wire for the same
 * capability as chat completions, so a key's `chat` scope covers it: keys made before it existed
 * keep working from the AI SDK's default provider.
 */
export function scopeOf(endpoint: RequestContext['endpoint']): EndpointScope {
  return endpoint === 'responses' ? 'chat' : endpoint;
}

/** Model, use case, max tokens and declared tools, checked against the key before any spend. */
export function authorizeRequest(ctx: RequestContext, model: string, chat: ChatRequest | undefined): void {
  const s = ctx.principal?.scopes;
  if (!s) return;
  if (!s.models(model)) throw denied('models', `This API key may not use the model \`${model}\`.`, 'model');
  if (s.useCases.length > 0 && !s.useCases.includes(ctx.attribution.useCase))
    throw denied(
      'use_cases',
      `This API key may not book calls to the use case \`${ctx.attribution.useCase}\`.`,
    );
  if (!chat) return;
  if (s.maxTokens !== null) {
    // The cap is on the whole answer: each of n choices may produce max_tokens, so each choice gets
    // at most cap / n. A larger request is capped, not refused (output-cap.ts); an unbounded one
    // gets the cap, or the budget reservation would be unbounded too.
    const n = chat.n ?? 1;
    if (n > s.maxTokens)
      throw denied(
        'max_tokens',
        `This API key allows at most ${s.maxTokens} output tokens per request, across all choices: n may be at most ${s.maxTokens}.`,
        'n',
      );
    capOutput(ctx, chat, Math.floor(s.maxTokens / n), 'key');
  }
  for (const t of chat.tools ?? [])
    if (!s.tools(t.name))
      throw denied('tools', `This API key may not offer the tool \`${t.name}\` to the model.`, 'tools');
}

/** A tool call in the model's answer must be one the key was granted (excessive agency). */
export function authorizeToolCall(ctx: RequestContext, call: Pick<ToolCall, 'name'>): void {
  const s = ctx.principal?.scopes;
  if (!s || s.tools(call.name)) return;
  throw new KeelError(
    'tool_not_allowed',
    `The model called the tool \`${call.name}\`, which this API key was not granted.`,
  );
}
