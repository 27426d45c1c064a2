import type {
  ChatChoice,
  ChatResponse,
  ChatStreamEvent,
  FinishReason,
  ThinkingPart,
  ToolCall,
} from '../canonical/types.js';

/**
 * A complete response as the stream events an upstream would have sent: one `start`, per choice its
 * whole text as one `text` event, its tool calls, its `finish`, then `usage`. Used to replay a cached
 * response to a streaming client. A refusal has no stream event in the canonical model and is dropped.
 */
export function responseToEvents(res: ChatResponse): ChatStreamEvent[] {
  const out: ChatStreamEvent[] = [{ type: 'start', id: res.id, model: res.model, created: res.created }];
  for (const c of res.choices) {
    const { index, message } = c;
    for (const t of message.thinking ?? []) {
      if (t.type === 'redacted_thinking') out.push({ type: 'thinking_start', index, redactedData: t.data });
      else {
        out.push({ type: 'thinking_start', index });
        if (t.thinking) out.push({ type: 'thinking_delta', index, text: t.thinking });
        out.push({ type: 'thinking_delta', index, signature: t.signature });
      }
    }
    if (message.content) out.push({ type: 'text', index, text: message.content });
    message.toolCalls?.forEach((tc, toolIndex) => {
      out.push({ type: 'tool_call_start', index, toolIndex, id: tc.id, name: tc.name });
      if (tc.arguments) out.push({ type: 'tool_call_delta', index, toolIndex, argumentsDelta: tc.arguments });
    });
    const finish: ChatStreamEvent = { type: 'finish', index, finishReason: c.finishReason };
    if (c.stopSequence !== undefined) finish.stopSequence = c.stopSequence;
    out.push(finish);
  }
  if (res.usage) out.push({ type: 'usage', usage: { ...res.usage } });
  return out;
}

interface ChoiceAcc {
  text: string | null;
  thinking: ThinkingPart[];
  tools: ToolCall[];
  finishReason: FinishReason | null;
  stopSequence: string | null | undefined;
}

/**
 * Accumulates a stream's events into the response it amounts to (to cache a completed stream).
 * A choice with neither text nor tool calls gets content '' ; one with only tool calls gets null, as
 * OpenAI returns it. A choice that never saw `finish` is reported as 'stop'; callers only pass
 * streams that finished.
 */
export function eventsToResponse(events: Iterable<ChatStreamEvent>): ChatResponse {
  let id = '';
  let model = '';
  let created = 0;
  let usage: ChatResponse['usage'];
  const choices = new Map<number, ChoiceAcc>();
  const choice = (i: number): ChoiceAcc => {
    let c = choices.get(i);
    if (!c) {
      c = { text: null, thinking: [], tools: [], finishReason: null, stopSequence: undefined };
      choices.set(i, c);
    }
    return c;
  };
  for (const e of events) {
    switch (e.type) {
      case 'start':
        id = e.id;
        model = e.model;
        created = e.created;
        break;
      case 'text': {
        const c = choice(e.index);
        c.text = (c.text ?? '') + e.text;
        break;
      }
      case 'tool_call_start':
        choice(e.index).tools[e.toolIndex] = { id: e.id, name: e.name, arguments: '' };
        break;
      case 'tool_call_delta': {
        const tc = choice(e.index).tools[e.toolIndex];
        if (tc) tc.arguments += e.argumentsDelta;
        break;
      }
      case 'finish': {
        const c = choice(e.index);
        c.finishReason = e.finishReason;
        if (e.stopSequence !== undefined) c.stopSequence = e.stopSequence;
        break;
      }
      case 'usage':
        usage = { ...e.usage };
        break;
      case 'thinking_start':
        choice(e.index).thinking.push(
          e.redactedData === undefined
            ? { type: 'thinking', thinking: '', signature: '' }
            : { type: 'redacted_thinking', data: e.redactedData },
        );
        break;
      case 'thinking_delta': {
        const t = choice(e.index).thinking.at(-1);
        if (t?.type !== 'thinking') break;
        if (e.text) t.thinking += e.text;
        if (e.signature) t.signature += e.signature;
        break;
      }
    }
  }
  const out: ChatChoice[] = [];
  for (const index of [...choices.keys()].sort((a, b) => a - b)) {
    const c = choices.get(index)!;
    // Sparse arrays appear if a provider skipped a tool index; drop the holes.
    const tools = c.tools.filter(Boolean);
    const message: ChatChoice['message'] = {
      role: 'assistant',
      content: c.text ?? (tools.length > 0 ? null : ''),
    };
    if (tools.length > 0) message.toolCalls = tools;
    if (c.thinking.length > 0) message.thinking = c.thinking;
    const ch: ChatChoice = { index, message, finishReason: c.finishReason ?? 'stop' };
    if (c.stopSequence !== undefined) ch.stopSequence = c.stopSequence;
    out.push(ch);
  }
  const res: ChatResponse = { id, model, created, choices: out };
  if (usage) res.usage = usage;
  return res;
}
