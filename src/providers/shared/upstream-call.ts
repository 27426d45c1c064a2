/**
 * One upstream HTTP exchange on undici's dispatcher API. undici's `request()` wraps every response
 * in a Node Readable (BodyReadable) and links an AbortSignal; answering most calls needs neither: a
 * JSON answer is a few chunks collected into one string, and cancellation is a CancelSignal. Going
 * one layer down removed a stream, an EventTarget listener and their garbage per call.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { CancelSignal } from '../../canonical/cancel.js';

export interface UpstreamBody extends AsyncIterable<Uint8Array> {
  text(): Promise<string>;
  json(): Promise<unknown>;
  /** Reads and discards the rest (aborting past `limit` bytes) so the connection can be reused. */
  dump(opts?: { limit?: number }): Promise<void>;
  destroy(err?: Error): void;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: UpstreamBody;
}

/** Buffered bytes at which the upstream socket is paused until the reader catches up. */
const HIGH_WATER = 256 * 1024;
const DEFAULT_DUMP_LIMIT = 128 * 1024;

type Controller = Dispatcher.DispatchController;

/** The body as it arrives: read whole (text/json) or chunk by chunk (async iteration, for SSE). */
class ArrivingBody implements UpstreamBody {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private failure: Error | null = null;
  private destroyed = false;
  // Reading the body whole (text/json): nothing is taken out until the end, so never pause.
  private collecting = false;
  private wake: (() => void) | null = null;

  constructor(private readonly controller: Controller | null) {}

  push(chunk: Buffer): void {
    if (this.destroyed) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered > HIGH_WATER && !this.collecting && this.controller && !this.controller.paused)
      this.controller.pause();
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  fail(err: Error): void {
    if (this.ended) return;
    this.failure = err;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private until(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  /** Everything that arrived, once the body has ended. */
  private async all(): Promise<Buffer[]> {
    this.collecting = true;
    this.controller?.resume();
    while (!this.ended) {
      if (this.failure) throw this.failure;
      if (this.destroyed) throw new Error('upstream body was destroyed');
      await this.until();
    }
    const chunks = this.chunks;
    this.chunks = [];
    this.buffered = 0;
    return chunks;
  }

  async text(): Promise<string> {
    const chunks = await this.all();
    const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
    // A UTF-8 byte order mark is not part of the text (what undici's text() does too).
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async dump(opts?: { limit?: number }): Promise<void> {
    const limit = opts?.limit ?? DEFAULT_DUMP_LIMIT;
    let read = 0;
    try {
      // Breaking out destroys the body: past the limit the connection is not worth saving.
      for await (const chunk of this) {
        read += chunk.byteLength;
        if (read > limit) break;
      }
    } catch {
      // a body being thrown away may fail as it likes
    }
  }

  destroy(err?: Error): void {
    if (this.destroyed || this.ended) return;
    this.destroyed = true;
    this.chunks = [];
    this.buffered = 0;
    // Stop the transfer: the connection is closed rather than drained.
    this.controller?.abort(err ?? new Error('upstream body was not read to the end'));
    this.notify();
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: async (): Promise<IteratorResult<Uint8Array>> => {
        for (;;) {
          const chunk = this.chunks.shift();
          if (chunk) {
            this.buffered -= chunk.length;
            if (this.controller?.paused && this.buffered < HIGH_WATER / 2) this.controller.resume();
            return { value: chunk, done: false };
          }
          if (this.failure) throw this.failure;
          if (this.ended || this.destroyed) return { value: undefined, done: true };
          await this.until();
        }
      },
      // Leaving a for-await loop early: the rest of the body is not wanted.
      return: async (): Promise<IteratorResult<Uint8Array>> => {
        this.destroy();
        return { value: undefined, done: true };
      },
    };
  }
}

const noop = (): void => {};

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason ?? 'aborted'));
}

/**
 * The dispatch handler for one request: settles `response` when the status line and headers have
 * arrived, then feeds the body. Aborts the exchange when `signal` aborts, before or after that.
 */
export class UpstreamCall implements Dispatcher.DispatchHandler {
  readonly response: Promise<UpstreamResponse>;
  private resolve!: (res: UpstreamResponse) => void;
  private reject!: (err: Error) => void;
  private controller: Controller | null = null;
  private body: ArrivingBody | null = null;
  private done = false;
  private unlink: () => void = noop;

  constructor(private readonly signal: CancelSignal) {
    this.response = new Promise<UpstreamResponse>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Already aborted: settled at once (onAbort would call back before `unlink` is set).
    if (signal.aborted) this.finish(asError(signal.reason));
    else this.unlink = signal.onAbort((reason) => this.abort(asError(reason)));
  }

  private abort(err: Error): void {
    if (this.done) return;
    // undici reports the abort back through onResponseError; a request still queued for a socket
    // is settled here, and aborted the moment it starts.
    if (this.controller) this.controller.abort(err);
    else this.finish(err);
  }

  private finish(err: Error | null): void {
    if (this.done) return;
    this.done = true;
    this.unlink();
    if (err === null) this.body?.end();
    else if (this.body) this.body.fail(err);
    else this.reject(err);
  }

  /** A dispatch() that threw synchronously (bad options). */
  failed(err: Error): void {
    this.finish(err);
  }

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.signal.aborted) controller.abort(asError(this.signal.reason));
  }

  onResponseStart(controller: Controller, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx informational responses come before the real one.
    if (statusCode < 200 || this.body) return;
    this.controller = controller;
    this.body = new ArrivingBody(controller);
    this.resolve({ status: statusCode, headers, body: this.body });
  }

  onResponseData(_controller: Controller, chunk: Buffer): void {
    this.body?.push(chunk);
  }

  onResponseEnd(): void {
    this.finish(null);
  }

  onResponseError(_controller: Controller, err: Error): void {
    this.finish(err);
  }
}
