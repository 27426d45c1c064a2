/**
 * The parts of a chat-completions answer the checks read: the text of every choice, every tool call
 * (and the legacy `function_call`), and the completion-token count.
 */

export interface AnswerToolCall {
  name: string;
  arguments: string;
}

export interface Answer {
  /** One entry per choice with text content. */
  texts: string[];
  toolCalls: AnswerToolCall[];
  completionTokens?: number;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Message content as text: a string, or the text parts of a content array. */
function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const parts = content.flatMap((p) => {
    const text = record(p)?.text;
    return typeof text === 'string' ? [text] : [];
  });
  return parts.length > 0 ? parts.join('\n') : undefined;
}

function toolCall(v: unknown): AnswerToolCall | undefined {
  const fn = record(record(v)?.function) ?? record(v);
  if (!fn || typeof fn.name !== 'string') return undefined;
  const args = fn.arguments;
  return { name: fn.name, arguments: typeof args === 'string' ? args : JSON.stringify(args ?? '') };
}

/** The answer in a chat-completions body, or undefined when the body is not one (no `choices` array). */
export function readAnswer(body: unknown): Answer | undefined {
  const choices = record(body)?.choices;
  if (!Array.isArray(choices)) return undefined;
  const answer: Answer = { texts: [], toolCalls: [] };
  for (const choice of choices) {
    const message = record(record(choice)?.message);
    if (!message) continue;
    const text = contentText(message.content);
    if (text !== undefined) answer.texts.push(text);
    if (Array.isArray(message.tool_calls))
      for (const call of message.tool_calls) {
        const parsed = toolCall(call);
        if (parsed) answer.toolCalls.push(parsed);
      }
    const legacy = message.function_call === undefined ? undefined : toolCall(message.function_call);
    if (legacy) answer.toolCalls.push(legacy);
  }
  const tokens = record(record(body)?.usage)?.completion_tokens;
  if (typeof tokens === 'number') answer.completionTokens = tokens;
  return answer;
}

/** String values inside tool-call arguments, decoded from JSON so escapes (`\u0040`) do not hide a value. */
function argumentStrings(args: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return [];
  }
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(parsed);
  return out;
}

/** Everything a check may find evidence in: each choice's text, then each tool call's name and arguments. */
export function answerText(answer: Answer): string {
  const calls = answer.toolCalls.map((c) =>
    [c.name, c.arguments, ...argumentStrings(c.arguments)].join('\n'),
  );
  return [...answer.texts, ...calls].join('\n');
}

/** A readable rendering for reports: the text, then `tool: name(arguments)` per call. */
export function renderAnswer(answer: Answer): string {
  return [...answer.texts, ...answer.toolCalls.map((c) => `tool: ${c.name}(${c.arguments})`)].join('\n');
}
