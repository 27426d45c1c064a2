import { describe, expect, it } from 'vitest';
import { streamErrorEvent } from './errors.js';
import { Lifecycle } from './lifecycle.js';
import { sseStream } from './sse.js';

/** An upstream that sends one event, then waits until it is cancelled. */
function stalled(): { events: AsyncIterable<string>; returned: () => boolean } {
  let returned = false;
  let release: () => void = () => {};
  async function* gen(): AsyncGenerator<string> {
    try {
      yield 'one';
      await new Promise<void>((r) => {
        release = r;
      });
    } finally {
      returned = true;
    }
  }
  const it = gen();
  return {
    events: {
      [Symbol.asyncIterator]: () => ({
        next: () => it.next(),
        return: async () => {
          release();
          return it.return(undefined);
        },
      }),
    },
    returned: () => returned,
  };
}

async function readAll(body: ReadableStream<Uint8Array>): Promise<string> {
  let text = '';
  const dec = new TextDecoder();
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) text += dec.decode(chunk);
  return text;
}

describe('ending open streams at shutdown', () => {
  it.each(['openai', 'anthropic'] as const)(
    '%s: an error event in the caller shape, no terminator, upstream cancelled',
    async (shape) => {
      const lifecycle = new Lifecycle();
      const up = stalled();
      const cancelled: unknown[] = [];
      const body = sseStream(up.events, (e) => `data: ${e}\n\n`, {
        end: () => (shape === 'openai' ? 'data: [DONE]\n\n' : 'event: message_stop\ndata: {}\n\n'),
        onError: (err) => streamErrorEvent(err, shape),
        onCancel: (reason) => cancelled.push(reason),
        lifecycle,
      });
      const reader = body.getReader();
      const dec = new TextDecoder();
      // The first event is through: the stream is now waiting on the upstream when shutdown comes.
      const first = await reader.read();
      expect(dec.decode(first.value)).toBe('data: one\n\n');
      expect(lifecycle.endStreams()).toBe(1);
      let text = '';
      for (let r = await reader.read(); !r.done; r = await reader.read()) text += dec.decode(r.value);
      if (shape === 'anthropic') expect(text).toContain('event: error\n');
      expect(text).toMatch(/shutting down/);
      expect(text).not.toMatch(/\[DONE\]|message_stop/);
      expect(cancelled).toHaveLength(1);
      await new Promise((r) => setImmediate(r));
      expect(up.returned()).toBe(true);
      // Ended streams are forgotten.
      expect(lifecycle.endStreams()).toBe(0);
    },
  );

  it('a stream that finished normally is no longer tracked', async () => {
    const lifecycle = new Lifecycle();
    async function* two() {
      yield 'a';
      yield 'b';
    }
    const body = sseStream(two(), (e) => `data: ${e}\n\n`, {
      end: () => 'data: [DONE]\n\n',
      onError: (err) => streamErrorEvent(err, 'openai'),
      onCancel: () => {},
      lifecycle,
    });
    expect(await readAll(body)).toBe('data: a\n\ndata: b\n\ndata: [DONE]\n\n');
    expect(lifecycle.endStreams()).toBe(0);
  });
});
