/**
 * Canonical answers → the Responses API `response` object and its output items, in the shape the
 * official SDKs, the AI SDK and LangChain parse.
 */
import type { ChatResponse, FinishReason, Usage } from '../../canonical/types.js';
import type { ResponsesBody } from './request.js';

export type OutputTextPart = { type: 'output_text'; text: string; annotations: []; logprobs: [] };
export type MessageOutput = {
  id: string;
  type: 'message';
  status: 'in_progress' | 'completed' | 'incomplete';
  role: 'assistant';
  content: (OutputTextPart | { type: 'refusal'; refusal: string })[];
};
export type FunctionCallOutput = {
  id: string;
  type: 'function_call';
  status: 'in_progress' | 'completed' | 'incomplete';
  call_id: string;
  name: string;
  arguments: string;
};
export type OutputItem = MessageOutput | FunctionCallOutput;

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** What one response is, before it has an answer: its id, its time and the request it echoes. */
export interface ResponseShell {
  id: string;
  /** Epoch seconds. */
  createdAt: number;
  body: ResponsesBody;
  /** The random part shared by the ids of this response's items. */
  idKey: string;
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

export function toResponsesUsage(u: Usage): ResponsesUsage {
  return {
    input_tokens: u.inputTokens,
    input_tokens_details: { cached_tokens: u.cachedInputTokens },
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens },
    total_tokens: u.inputTokens + u.outputTokens,
  };
}

/** Output item ids carry their response's key and position, so an `item_reference` finds its row. */
export function outputItemId(shell: ResponseShell, kind: 'msg' | 'fc', index: number): string {
  return `${kind}_${shell.idKey}_o${index}`;
}

export function outputText(text: string): OutputTextPart {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

/** `incomplete` for answers cut by the token limit or a content filter, as OpenAI reports them. */
export function statusOf(finish: FinishReason | null): {
  status: ResponseStatus;
  incomplete: { reason: string } | null;
} {
  if (finish === 'length') return { status: 'incomplete', incomplete: { reason: 'max_output_tokens' } };
  if (finish === 'content_filter') return { status: 'incomplete', incomplete: { reason: 'content_filter' } };
  return { status: 'completed', incomplete: null };
}

export function responseObject(
  shell: ResponseShell,
  init: {
    status: ResponseStatus;
    model: string;
    output: OutputItem[];
    usage: Usage | null;
    incomplete: { reason: string } | null;
    store: boolean;
  },
): Record<string, unknown> {
  const b = shell.body;
  const text: Record<string, unknown> = { format: b.format ?? { type: 'text' } };
  if (b.verbosity !== null) text.verbosity = b.verbosity;
  return {
    id: shell.id,
    object: 'response',
    created_at: shell.createdAt,
    status: init.status,
    background: false,
    error: null,
    incomplete_details: init.incomplete,
    instructions: b.instructions,
    max_output_tokens: b.maxOutputTokens,
    max_tool_calls: null,
    model: init.model,
    output: init.output,
    parallel_tool_calls: b.parallelToolCalls ?? true,
    previous_response_id: b.previousResponseId,
    prompt_cache_key: b.promptCacheKey,
    reasoning: { effort: b.effort, summary: null },
    safety_identifier: b.safetyIdentifier,
    service_tier: b.serviceTier ?? 'default',
    store: init.store,
    temperature: b.temperature ?? 1,
    text,
    tool_choice: b.toolChoice ?? 'auto',
    tools: b.tools.map((t) => ({
      type: 'function',
      name: t.name,
      description: t.description ?? null,
      parameters: t.parameters ?? null,
      strict: t.strict ?? null,
    })),
    top_logprobs: 0,
    top_p: b.topP ?? 1,
    truncation: 'disabled',
    usage: init.usage ? toResponsesUsage(init.usage) : null,
    user: b.user,
    metadata: b.metadata,
  };
}

/** The output items of a whole answer: its text (or refusal) first, then its function calls. */
export function outputItems(shell: ResponseShell, res: ChatResponse): OutputItem[] {
  const out: OutputItem[] = [];
  const choice = res.choices[0];
  if (!choice) return out;
  const status = choice.finishReason === 'length' ? 'incomplete' : 'completed';
  const m = choice.message;
  if (m.refusal) {
    out.push({
      id: outputItemId(shell, 'msg', out.length),
      type: 'message',
      status,
      role: 'assistant',
      content: [{ type: 'refusal', refusal: m.refusal }],
    });
  } else if (m.content || !m.toolCalls?.length) {
    out.push({
      id: outputItemId(shell, 'msg', out.length),
      type: 'message',
      status,
      role: 'assistant',
      content: [outputText(m.content ?? '')],
    });
  }
  for (const t of m.toolCalls ?? []) {
    out.push({
      id: outputItemId(shell, 'fc', out.length),
      type: 'function_call',
      status: 'completed',
      call_id: t.id,
      name: t.name,
      arguments: t.arguments,
    });
  }
  return out;
}
