/**
 * The signal one upstream attempt runs under: aborted when the client's signal aborts or when the
 * attempt's own timeout fires. Linked by hand rather than with AbortSignal.any() +
 * AbortSignal.timeout(): on Node 20 AbortSignal.any costs ~10 µs and keeps memory per call on the
 * request path (measured), and the timeout must be liftable, because for a stream it bounds the
 * time to the first event, not the length of a healthy answer.
 */
export class AttemptSignal {
  private readonly ctrl = new AbortController();
  private readonly handle: NodeJS.Timeout;
  private fired = false;
  private readonly onClientAbort: () => void;
  private rejectRace: ((reason: unknown) => void) | undefined;

  constructor(
    private readonly client: AbortSignal,
    timeoutMs: number,
  ) {
    this.onClientAbort = () => this.abort(client.reason);
    this.handle = setTimeout(() => {
      this.fired = true;
      this.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
    }, timeoutMs);
    // Never keep the process alive only to time out a request nobody will wait for.
    this.handle.unref?.();
    if (client.aborted) this.abort(client.reason);
    else client.addEventListener('abort', this.onClientAbort, { once: true });
  }

  /**
   * Settles with `p`, or rejects as soon as the attempt is aborted, so a timeout holds even against
   * an adapter that is slow to notice its signal. A late settlement of `p` is ignored. (A direct
   * callback rather than an abort listener: EventTarget listeners cost microseconds per call.)
   */
  race<T>(p: Promise<T>): Promise<T> {
    const signal = this.ctrl.signal;
    if (signal.aborted) {
      p.catch(noop);
      return Promise.reject(signal.reason);
    }
    return new Promise<T>((resolve, reject) => {
      this.rejectRace = reject;
      p.then(
        (v) => {
          this.rejectRace = undefined;
          resolve(v);
        },
        (e: unknown) => {
          this.rejectRace = undefined;
          reject(e);
        },
      );
    });
  }

  get signal(): AbortSignal {
    return this.ctrl.signal;
  }

  /** True when this attempt's own timeout fired (as opposed to the client going away). */
  get timedOut(): boolean {
    return this.fired;
  }

  /** Stop the timeout; the client's signal still reaches the attempt (a stream being relayed). */
  lift(): void {
    clearTimeout(this.handle);
  }

  private abort(reason: unknown): void {
    this.ctrl.abort(reason);
    this.rejectRace?.(reason);
  }

  /** The attempt is over: stop listening to the client. */
  dispose(): void {
    clearTimeout(this.handle);
    this.client.removeEventListener('abort', this.onClientAbort);
  }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function noop(): void {}
