import { type CancelSignal, CancelSource } from '../canonical/cancel.js';

/**
 * The signal one upstream attempt runs under: aborted when the client's signal aborts or when the
 * attempt's own timeout fires. A CancelSource linked by hand (see canonical/cancel.ts for why not
 * AbortSignal.any() + AbortSignal.timeout()); the timeout must be liftable, because for a stream it
 * bounds the time to the first event, not the length of a healthy answer.
 */
export class AttemptSignal {
  private readonly source = new CancelSource();
  private readonly handle: NodeJS.Timeout;
  private fired = false;
  private readonly unlink: () => void;
  private rejectRace: ((reason: unknown) => void) | undefined;

  constructor(client: CancelSignal, timeoutMs: number) {
    this.handle = setTimeout(() => {
      this.fired = true;
      this.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
    }, timeoutMs);
    // Never keep the process alive only to time out a request nobody will wait for.
    this.handle.unref?.();
    this.unlink = client.onAbort((reason) => this.abort(reason));
  }

  /**
   * Settles with `p`, or rejects as soon as the attempt is aborted, so a timeout holds even against
   * an adapter that is slow to notice its signal. A late settlement of `p` is ignored. (A direct
   * callback rather than an abort listener: EventTarget listeners cost microseconds per call.)
   */
  race<T>(p: Promise<T>): Promise<T> {
    const signal = this.source;
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

  get signal(): CancelSignal {
    return this.source;
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
    this.source.abort(reason);
    this.rejectRace?.(reason);
  }

  /** The attempt is over: stop listening to the client. */
  dispose(): void {
    clearTimeout(this.handle);
    this.unlink();
  }
}

export function sleep(ms: number, signal: CancelSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const t = setTimeout(() => {
      unlink();
      resolve();
    }, ms);
    const unlink = signal.onAbort((reason) => {
      clearTimeout(t);
      reject(reason);
    });
  });
}

function noop(): void {}
