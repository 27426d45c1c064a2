/**
 * Cancellation on the request path: the client going away, an attempt timing out, a stream being
 * cancelled. Keel uses this small interface instead of AbortController/AbortSignal between its own
 * layers: on Node 20 creating an AbortSignal and adding/removing EventTarget listeners per call, and
 * the old-generation garbage those objects leave, measured ~20% of Keel's CPU per proxied request
 * (bench/RESULTS.md). A Web AbortSignal still converts both ways at the edges.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  /** Why it was aborted (undefined until it is). */
  readonly reason: unknown;
  /** Calls `fn` once when aborted, at once if it already is. Returns a function that removes it. */
  onAbort(fn: (reason: unknown) => void): () => void;
}

const noop = (): void => {};

/** The reason when none is given, as AbortController would make it. */
export function abortedReason(): DOMException {
  return new DOMException('This operation was aborted', 'AbortError');
}

/** A signal and the means to abort it. */
export class CancelSource implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  // One listener is the common case (the attempt listening to the client): no array for it.
  private first: ((reason: unknown) => void) | null = null;
  private more: ((reason: unknown) => void)[] | null = null;

  onAbort(fn: (reason: unknown) => void): () => void {
    if (this.aborted) {
      fn(this.reason);
      return noop;
    }
    if (this.first === null && this.more === null) {
      this.first = fn;
      return () => {
        if (this.first === fn) this.first = null;
      };
    }
    const more = this.more ?? [];
    this.more = more;
    more.push(fn);
    return () => {
      const i = more.indexOf(fn);
      if (i >= 0) more.splice(i, 1);
    };
  }

  abort(reason: unknown = abortedReason()): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const first = this.first;
    const more = this.more;
    this.first = null;
    this.more = null;
    // A listener that throws must not keep the others from hearing about the abort.
    if (first) safeCall(first, reason);
    if (more) for (const fn of more) safeCall(fn, reason);
  }
}

function safeCall(fn: (reason: unknown) => void, reason: unknown): void {
  try {
    fn(reason);
  } catch {
    // listeners report their own failures
  }
}

/** Never aborts: for calls nobody can cancel (background jobs, tests). */
export const NEVER_CANCELLED: CancelSignal = Object.freeze({
  aborted: false,
  reason: undefined,
  onAbort: () => noop,
});

/** A Web AbortSignal (from `app.request()`, a test, a caller's API) seen as a CancelSignal. */
export function fromAbortSignal(signal: AbortSignal): CancelSignal {
  return {
    get aborted() {
      return signal.aborted;
    },
    get reason(): unknown {
      return signal.reason;
    },
    onAbort(fn) {
      if (signal.aborted) {
        fn(signal.reason);
        return noop;
      }
      const listener = () => fn(signal.reason);
      signal.addEventListener('abort', listener, { once: true });
      return () => signal.removeEventListener('abort', listener);
    },
  };
}

/** For an API that insists on a Web AbortSignal. Call dispose() when done to unlink it. */
export function toAbortSignal(cancel: CancelSignal): { signal: AbortSignal; dispose: () => void } {
  const ctrl = new AbortController();
  const dispose = cancel.onAbort((reason) => ctrl.abort(reason));
  return { signal: ctrl.signal, dispose };
}
