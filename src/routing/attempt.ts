import { type CancelSignal, CancelSource } from '../canonical/cancel.js';

/**
 * The signal one upstream attempt runs under: aborted when the client's signal aborts or when the
 * attempt's own timeout fires. A CancelSource linked by hand (see canonical/cancel.ts for why not
 * AbortSignal.any() + AbortSignal.timeout()); the timeout must be liftable, because for a stream it
 * bounds the time to the first event, not the length of a healthy answer.
 */
export class AttemptSignal {
  private readonly source = new CancelSource();
  private handle: NodeJS.Timeout;
  private fired = false;
  private idleMs = 0;
  /** performance.now() when the current wait for the upstream began; -1 when not waiting. */
  private waitingSince = -1;
  private readonly unlink: () => void;
  private rejectRace: ((reason: unknown) => void) | undefined;

  constructor(client: CancelSignal, timeoutMs: number) {
    this.handle = this.deadline(timeoutMs, 'no answer');
    this.unlink = client.onAbort((reason) => this.abort(reason));
  }

  private deadline(ms: number, what: string): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.fired = true;
      this.abort(new DOMException(`${what} within ${ms} ms`, 'TimeoutError'));
    }, ms);
    // Never keep the process alive only to time out a request nobody will wait for.
    t.unref?.();
    return t;
  }

  /**
   * From now on, time the attempt out when one wait for the upstream (between waiting() and
   * waited()) lasts `ms`. For a stream being relayed: time spent while the client reads slowly is
   * not the upstream's silence. One timer re-armed lazily, not one per event.
   */
  watchIdle(ms: number): void {
    clearTimeout(this.handle);
    this.idleMs = ms;
    this.handle = this.idleTimer(ms);
  }

  waiting(): void {
    this.waitingSince = performance.now();
  }

  waited(): void {
    this.waitingSince = -1;
  }

  private idleTimer(ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      const quiet = this.waitingSince < 0 ? 0 : performance.now() - this.waitingSince;
      if (quiet >= this.idleMs - 1) {
        this.fired = true;
        this.abort(new DOMException(`no stream event within ${this.idleMs} ms`, 'TimeoutError'));
      } else if (!this.source.aborted) {
        this.handle = this.idleTimer(this.idleMs - quiet);
      }
    }, ms);
    t.unref?.();
    return t;
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
