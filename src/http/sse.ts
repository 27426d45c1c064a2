import { toKeelError } from '../errors.js';

const encoder = new TextEncoder();

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/**
 * A pull-based SSE body over an async iterable: nothing is produced faster than the client reads
 * (back-pressure reaches the upstream), and a client that goes away cancels the upstream.
 */
export function sseStream<T>(
  events: AsyncIterable<T>,
  encode: (ev: T) => string,
  opts: { end: () => string; onError: (err: unknown) => string; onCancel: () => void },
): ReadableStream<Uint8Array> {
  const it = events[Symbol.asyncIterator]();
  let finished = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const r = await it.next();
          if (r.done) {
            finished = true;
            const tail = opts.end();
            if (tail) controller.enqueue(encoder.encode(tail));
            controller.close();
            return;
          }
          const s = encode(r.value);
          if (s) {
            controller.enqueue(encoder.encode(s));
            return;
          }
        }
      } catch (err) {
        // Headers (200) are gone already: the only honest signal left is an error event and no
        // clean terminator, so clients see a failure rather than a short answer.
        finished = true;
        controller.enqueue(encoder.encode(opts.onError(toKeelError(err))));
        controller.close();
      }
    },
    async cancel() {
      if (finished) return;
      finished = true;
      opts.onCancel();
      await it.return?.(undefined);
    },
  });
}
