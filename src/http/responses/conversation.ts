/**
 * A Responses request in its conversation: the stored turns before it (`previous_response_id`),
 * its own input with `item_reference`s resolved, and the canonical chat request all of that makes.
 */
import type { ChatRequest, JsonObject, ResponseFormat, ToolDef } from '../../canonical/types.js';
import { KeelError } from '../../errors.js';
import type { ResponseStore } from '../../store/responses.js';
import { type ConcreteItem, type InputItem, itemsToMessages, type Part } from './items.js';
import type { ResponsesBody } from './request.js';

export interface Conversation {
  /** Items before this request (from previous_response_id), as stored. */
  context: ConcreteItem[];
  /** This request's input, references resolved, each item with an id. */
  input: ConcreteItem[];
}

const ITEM_ID = /^(msg|fc|fco)_([0-9a-f]+)_([io])(\d+)$/;

function notFound(message: string, param: string): KeelError {
  return new KeelError('not_found', message, { param });
}

/** The items a stored response hands to the next turn: what came before, its input, its output. */
function turnItems(stored: { context: unknown[]; input: unknown[]; response: Record<string, unknown> }) {
  const output = Array.isArray(stored.response.output) ? stored.response.output : [];
  return [...stored.context, ...stored.input, ...output] as ConcreteItem[];
}

function withId(item: ConcreteItem, idKey: string, index: number): ConcreteItem {
  if (item.id) return item;
  const prefix = item.type === 'function_call' ? 'fc' : item.type === 'function_call_output' ? 'fco' : 'msg';
  const id = `${prefix}_${idKey}_i${index}`;
  if (item.type === 'function_call' || item.type === 'function_call_output') return { ...item, id };
  // Messages are kept as the API lists them: typed, with content parts.
  const content: Part[] =
    typeof item.content === 'string'
      ? [
          item.role === 'assistant'
            ? { type: 'output_text', text: item.content, annotations: [], logprobs: [] }
            : { type: 'input_text', text: item.content },
        ]
      : item.content;
  return { type: 'message', id, role: item.role, content, status: 'completed' };
}

export async function resolveConversation(
  body: ResponsesBody,
  store: ResponseStore | null,
  keyId: string | null,
  idKey: string,
): Promise<Conversation> {
  const needsStore = body.previousResponseId !== null || body.input.some((i) => i.type === 'item_reference');
  if (needsStore && !store)
    throw new KeelError(
      'unsupported_feature',
      'This Keel keeps no responses (responses.retention_days is 0): previous_response_id and item_reference are not available.',
      { param: body.previousResponseId !== null ? 'previous_response_id' : 'input' },
    );
  let context: ConcreteItem[] = [];
  if (body.previousResponseId !== null) {
    const prev = await store!.get(body.previousResponseId, keyId);
    if (!prev)
      throw notFound(
        `Previous response with id '${body.previousResponseId}' not found.`,
        'previous_response_id',
      );
    context = turnItems(prev);
  }
  const input: ConcreteItem[] = [];
  for (let i = 0; i < body.input.length; i++) {
    const item = body.input[i]!;
    input.push(
      withId(item.type === 'item_reference' ? await referenced(store!, item.id, keyId, i) : item, idKey, i),
    );
  }
  return { context, input };
}

async function referenced(
  store: ResponseStore,
  id: string,
  keyId: string | null,
  i: number,
): Promise<ConcreteItem> {
  const m = ITEM_ID.exec(id);
  const stored = m ? await store.get(`resp_${m[2]}`, keyId) : null;
  const list = stored ? (m![3] === 'i' ? stored.input : (stored.response.output as unknown[])) : [];
  const item = list[Number(m?.[4])] as (InputItem & { id?: string | null }) | undefined;
  if (!item || item.id !== id) throw notFound(`Item with id '${id}' not found.`, `input[${i}].id`);
  return item as ConcreteItem;
}

const EMPTY_PARAMETERS: JsonObject = { type: 'object', properties: {} };

function responseFormat(f: NonNullable<ResponsesBody['format']>): ResponseFormat {
  if (f.type !== 'json_schema') return { type: f.type };
  const out: ResponseFormat = { type: 'json_schema', name: f.name, schema: f.schema as JsonObject };
  if (typeof f.strict === 'boolean') out.strict = f.strict;
  if (f.description) out.description = f.description;
  return out;
}

/**
 * The canonical request. Instructions lead as a system message and are not carried to the next
 * turn (as OpenAI does); reasoning effort and OpenAI-only options travel as passthrough, which only
 * OpenAI-family upstreams read.
 */
export function toChatRequest(body: ResponsesBody, conv: Conversation): ChatRequest {
  const items = conv.context.length === 0 ? conv.input : conv.context.concat(conv.input);
  const offset = conv.context.length;
  const messages = itemsToMessages(items, (i) =>
    i < offset ? 'previous_response_id' : `input[${i - offset}]`,
  );
  if (body.instructions)
    messages.unshift({ role: 'system', content: [{ type: 'text', text: body.instructions }] });
  const req: ChatRequest = { model: body.model, messages, stream: body.stream };
  if (body.maxOutputTokens !== null) req.maxTokens = body.maxOutputTokens;
  if (body.temperature !== null) req.temperature = body.temperature;
  if (body.topP !== null) req.topP = body.topP;
  if (body.user !== null) req.user = body.user;
  if (body.tools.length > 0)
    req.tools = body.tools.map((t) => {
      const def: ToolDef = {
        name: t.name,
        parameters: (t.parameters as JsonObject | null) ?? EMPTY_PARAMETERS,
      };
      if (t.description) def.description = t.description;
      if (typeof t.strict === 'boolean') def.strict = t.strict;
      return def;
    });
  const choice = body.toolChoice;
  if (choice !== null) req.toolChoice = typeof choice === 'string' ? choice : { name: choice.name };
  if (body.parallelToolCalls !== null) req.parallelToolCalls = body.parallelToolCalls;
  if (body.format !== null && body.format.type !== 'text') req.responseFormat = responseFormat(body.format);
  let passthrough: JsonObject | undefined;
  const pass = (key: string, value: string | null) => {
    if (value === null) return;
    passthrough ??= {};
    passthrough[key] = value;
  };
  pass('reasoning_effort', body.effort);
  pass('verbosity', body.verbosity);
  pass('prompt_cache_key', body.promptCacheKey);
  pass('safety_identifier', body.safetyIdentifier);
  pass('service_tier', body.serviceTier);
  if (passthrough) req.passthrough = passthrough;
  return req;
}
