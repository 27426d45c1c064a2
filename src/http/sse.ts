import { KeelError, toKeelError } from '../errors.js';
import type { Lifecycle } from './lifecycle.js';

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

const SHUTTING_DOWN = 'Keel is shutting down and ended this stream before it finished; retry the request.';

/**
 * A pull-based SSE body over an async iterable: nothing is produced faster than the client reads
 * (back-pressure reaches the upstream), and a client that goes away cancels the upstream. Events that
 * are already available — typically several parsed from one upstream read — are written together,
 * one socket write instead of one per event; an event that has to be waited for is never held back.
 * With a `lifecycle`, a shutdown past its grace ends the stream with an error event, like an upstream
 * failure, and cancels the upstream.
 */
export function sseStream<T>(
  events: AsyncIterable<T>,
  encode: (ev: T) => string,
  opts: {
    end: () => string;
    onError: (err: unknown) => string;
    onCancel: (reason?: unknown) => void;
    lifecycle?: Lifecycle;
  },
): ReadableStream<Uint8Array> {
  const it = events[Symbol.asyncIterator]();
  let finished = false;
  let pending: Promise<IteratorResult<T>> | null = null;
  let untrack: (() => void) | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      untrack = opts.lifecycle?.track(() => {
        if (finished) return;
        finished = true;
        const err = new KeelError('not_ready', SHUTTING_DOWN);
        controller.enqueue(encoder.encode(opts.onError(err)));
        controller.close();
        opts.onCancel(err);
        // A pull may still be waiting on the upstream: the cancel above makes that wait end.
        Promise.resolve(it.return?.(undefined)).catch(() => undefined);
      });
    },
    async pull(controller) {
      // Ended by a shutdown while this pull waited on the upstream: what it got is dropped.
      if (finished) return;
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
          if (finished) return;
          if (r.done) {
            finished = true;
            untrack?.();
            out += opts.end();
            if (out) controller.enqueue(encoder.encode(out));
            controller.close();
            return;
          }
          out += encode(r.value);
        }
        controller.enqueue(encoder.encode(out));
      } catch (err) {
        if (finished) return;
        untrack?.();
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
      untrack?.();
      opts.onCancel();
      await it.return?.(undefined);
    },
  });
}
