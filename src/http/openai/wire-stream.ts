/**
 * Canonical stream events → OpenAI `chat.completion.chunk` SSE frames, byte-for-byte in the shape
 * OpenAI streams them. Frames are assembled from a per-stream prefix rather than by serialising a
 * whole object per delta: this runs once per token.
 */
import type { ChatStreamEvent, Usage } from '../../canonical/types.js';
import { toOpenAIUsage } from './wire-response.js';

export interface ChunkEncoder {
  /** One SSE frame (`data: {…}\n\n`), or '' when the event has no OpenAI counterpart. */
  encode(ev: ChatStreamEvent): string;
  /**
   * The stream terminator. With `include_usage`, a usage chunk is owed before it: when no usage
   * event was encoded, `usage` (e.g. Keel's estimate) is sent instead.
   */
  done(usage?: Usage): string;
}

const DONE = 'data: [DONE]\n\n';

export function createChunkEncoder(opts: {
  id: string;
  model: string;
  created: number;
  includeUsage: boolean;
}): ChunkEncoder {
  const head = `data: {"id":${JSON.stringify(opts.id)},"object":"chat.completion.chunk","created":${Math.floor(
    opts.created,
  )},"model":${JSON.stringify(opts.model)},"choices":[`;
  // With include_usage OpenAI sends `"usage":null` on every chunk but the last.
  const tail = opts.includeUsage ? '],"usage":null}\n\n' : ']}\n\n';
  const roleSent = new Set<number>();
  let usageSent = false;

  /** The delta's opening: the first chunk of each choice also announces the assistant role. */
  function open(index: number): string {
    if (roleSent.has(index)) return `{"index":${index},"delta":{`;
    roleSent.add(index);
    return `{"index":${index},"delta":{"role":"assistant",`;
  }

  function frame(choice: string): string {
    return head + choice + tail;
  }

  function usageFrame(u: Usage): string {
    usageSent = true;
    return `${head}],"usage":${JSON.stringify(toOpenAIUsage(u))}}\n\n`;
  }

  return {
    encode(ev) {
      switch (ev.type) {
        case 'start':
          if (roleSent.has(0)) return '';
          roleSent.add(0);
          return frame(
            '{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}',
          );
        case 'text':
          return frame(
            `${open(ev.index)}"content":${JSON.stringify(ev.text)}},"logprobs":${ev.logprobs === undefined ? 'null' : JSON.stringify(ev.logprobs)},"finish_reason":null}`,
          );
        case 'tool_call_start':
          return frame(
            `${open(ev.index)}"tool_calls":[{"index":${ev.toolIndex},"id":${JSON.stringify(ev.id)},"type":"function","function":{"name":${JSON.stringify(
              ev.name,
            )},"arguments":""}}]},"logprobs":null,"finish_reason":null}`,
          );
        case 'tool_call_delta':
          return frame(
            `${open(ev.index)}"tool_calls":[{"index":${ev.toolIndex},"function":{"arguments":${JSON.stringify(
              ev.argumentsDelta,
            )}}}]},"logprobs":null,"finish_reason":null}`,
          );
        case 'finish': {
          const o = open(ev.index);
          // open() leaves a dangling comma after the role; an empty delta is `{}`.
          const delta = o.endsWith(',') ? `${o.slice(0, -1)}}` : `${o}}`;
          return frame(`${delta},"logprobs":null,"finish_reason":"${ev.finishReason}"}`);
        }
        case 'usage':
          if (!opts.includeUsage || usageSent) return '';
          return usageFrame(ev.usage);
        default:
          // Anthropic thinking blocks have no Chat Completions counterpart.
          return '';
      }
    },
    done(usage) {
      if (opts.includeUsage && !usageSent && usage) return usageFrame(usage) + DONE;
      return DONE;
    },
  };
}
