/**
 * Canonical stream events → the Responses API's typed SSE events, each with its `sequence_number`:
 * response.created and .in_progress, then per output item `output_item.added`, its content part or
 * function-call arguments as deltas and `.done`s, `output_item.done`; the final response object is
 * assembled on the way, for `response.completed` and for the store.
 */
import type { ChatStreamEvent, FinishReason, Usage } from '../../canonical/types.js';
import { toKeelError } from '../../errors.js';
import { errorBody } from '../errors.js';
import {
  type FunctionCallOutput,
  type MessageOutput,
  type OutputItem,
  outputItemId,
  outputText,
  type ResponseShell,
  responseObject,
  statusOf,
} from './response.js';

export interface ResponsesStreamEncoder {
  /** SSE frames for one canonical event ('' when it has no counterpart). */
  encode(ev: ChatStreamEvent): string;
  /** Closes what is still open; the response as `response.completed` will carry it. */
  finish(store: boolean): { frames: string; response: Record<string, unknown> };
  /** The closing frame: `response.completed`, or `response.incomplete` for a cut answer. */
  completed(response: Record<string, unknown>): string;
  /** An `error` event, for a failure after the stream began. */
  error(err: unknown): string;
}

type Open =
  | { kind: 'message'; index: number; item: MessageOutput; text: string }
  | { kind: 'call'; index: number; item: FunctionCallOutput; toolIndex: number };

export function createResponsesStreamEncoder(shell: ResponseShell): ResponsesStreamEncoder {
  let seq = 0;
  let started = false;
  let model = shell.body.model;
  let open: Open | null = null;
  const output: OutputItem[] = [];
  let usage: Usage | null = null;
  let finish: FinishReason | null = null;

  function frame(type: string, data: Record<string, unknown>): string {
    // `type` and `sequence_number` lead, as OpenAI sends them.
    const body = Object.assign({ type, sequence_number: seq++ }, data);
    return `event: ${type}\ndata: ${JSON.stringify(body)}\n\n`;
  }

  function snapshot(status: 'in_progress' | 'completed' | 'incomplete', store: boolean) {
    const s = status === 'in_progress' ? null : statusOf(finish).incomplete;
    return responseObject(shell, { status, model, output, usage, incomplete: s, store });
  }

  function start(): string {
    if (started) return '';
    started = true;
    const r = snapshot('in_progress', shell.body.store);
    return frame('response.created', { response: r }) + frame('response.in_progress', { response: r });
  }

  function close(): string {
    const o = open;
    if (!o) return '';
    open = null;
    const status = finish === 'length' ? 'incomplete' : 'completed';
    if (o.kind === 'message') {
      const part = outputText(o.text);
      o.item.status = status;
      o.item.content = [part];
      const at = { item_id: o.item.id, output_index: o.index, content_index: 0 };
      return (
        frame('response.output_text.done', Object.assign({ text: o.text, logprobs: [] }, at)) +
        frame('response.content_part.done', Object.assign({ part }, at)) +
        frame('response.output_item.done', { output_index: o.index, item: o.item })
      );
    }
    o.item.status = 'completed';
    return (
      frame('response.function_call_arguments.done', {
        item_id: o.item.id,
        output_index: o.index,
        name: o.item.name,
        arguments: o.item.arguments,
      }) + frame('response.output_item.done', { output_index: o.index, item: o.item })
    );
  }

  function openMessage(): string {
    let out = close();
    const index = output.length;
    const item: MessageOutput = {
      id: outputItemId(shell, 'msg', index),
      type: 'message',
      status: 'in_progress',
      role: 'assistant',
      content: [],
    };
    output.push(item);
    open = { kind: 'message', index, item, text: '' };
    out += frame('response.output_item.added', { output_index: index, item: { ...item, content: [] } });
    out += frame('response.content_part.added', {
      item_id: item.id,
      output_index: index,
      content_index: 0,
      part: outputText(''),
    });
    return out;
  }

  return {
    encode(ev) {
      // Responses have one answer: other choices (never asked for) are not shown.
      if ('index' in ev && ev.index !== 0) return '';
      switch (ev.type) {
        case 'start':
          model = ev.model || model;
          return start();
        case 'text': {
          let out = start();
          if (open?.kind !== 'message') out += openMessage();
          const o = open as Extract<Open, { kind: 'message' }>;
          o.text += ev.text;
          return (
            out +
            frame('response.output_text.delta', {
              item_id: o.item.id,
              output_index: o.index,
              content_index: 0,
              delta: ev.text,
              logprobs: [],
            })
          );
        }
        case 'tool_call_start': {
          let out = start() + close();
          const index = output.length;
          const item: FunctionCallOutput = {
            id: outputItemId(shell, 'fc', index),
            type: 'function_call',
            status: 'in_progress',
            call_id: ev.id,
            name: ev.name,
            arguments: '',
          };
          output.push(item);
          open = { kind: 'call', index, item, toolIndex: ev.toolIndex };
          out += frame('response.output_item.added', { output_index: index, item: { ...item } });
          return out;
        }
        case 'tool_call_delta': {
          const o = open;
          if (o?.kind !== 'call' || o.toolIndex !== ev.toolIndex) return '';
          o.item.arguments += ev.argumentsDelta;
          return frame('response.function_call_arguments.delta', {
            item_id: o.item.id,
            output_index: o.index,
            delta: ev.argumentsDelta,
          });
        }
        case 'finish':
          finish = ev.finishReason;
          return '';
        case 'usage':
          usage = ev.usage;
          return '';
        // Reasoning items are not served on /v1/responses (docs/api.md): the model's thinking stays out.
        case 'thinking_start':
        case 'thinking_delta':
          return '';
      }
    },
    finish(store) {
      let frames = start();
      // An answer with neither text nor calls is still one (empty) message, as OpenAI sends it.
      if (output.length === 0) frames += openMessage();
      frames += close();
      return {
        frames,
        response: snapshot(statusOf(finish).status === 'incomplete' ? 'incomplete' : 'completed', store),
      };
    },
    completed(response) {
      const type = response.status === 'incomplete' ? 'response.incomplete' : 'response.completed';
      return frame(type, { response });
    },
    error(err) {
      const e = toKeelError(err);
      const body = errorBody(e, 'openai').error as Record<string, unknown>;
      return frame('error', { code: body.code, message: body.message, param: body.param });
    },
  };
}
