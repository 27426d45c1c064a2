import { toKeelError } from '../errors.js';

const encoder = new TextEncoder();

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

const LATER = Symbol('later');
/** Resolves after the current round of I/O callbacks, i.e. once what is already buffered was handled. */
const afterIo = () => new Promise<typeof LATER>((r) => setImmediate(r, LATER));
/** Bytes of text gathered into one write at most. */
const MAX_BATCH = 16 * 1024;

/**
 * A pull-based SSE body over an async iterable: nothing is produced faster than the client reads
 * (back-pressure reaches the upstream), and a client that goes away cancels the upstream. Events that
 * are already available — typically several parsed from one upstream read — are written together,
 * one socket write instead of one per event; an event that has to be waited for is never held back.
 */
export function sseStream<T>(
  events: AsyncIterable<T>,
  encode: (ev: T) => string,
  opts: { end: () => string; onError: (err: unknown) => string; onCancel: () => void },
): ReadableStream<Uint8Array> {
  const it = events[Symbol.asyncIterator]();
  let finished = false;
  let pending: Promise<IteratorResult<T>> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let out = '';
      try {
        while (out.length < MAX_BATCH) {
          const next = pending ?? it.next();
          pending = null;
          let r: IteratorResult<T> | typeof LATER;
          if (out === '') r = await next;
          else {
            r = await Promise.race([next, afterIo()]);
            if (r === LATER) {
              // Keep it for the next pull; mark it handled so a failure waits for that pull.
              next.catch(() => {});
              pending = next;
              break;
            }
          }
          if (r.done) {
            finished = true;
            out += opts.end();
            if (out) controller.enqueue(encoder.encode(out));
            controller.close();
            return;
          }
          out += encode(r.value);
        }
        controller.enqueue(encoder.encode(out));
      } catch (err) {
        // Headers (200) are gone already: the only honest signal left is an error event and no
        // clean terminator, so clients see a failure rather than a short answer.
        finished = true;
        controller.enqueue(encoder.encode(out + opts.onError(toKeelError(err))));
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
