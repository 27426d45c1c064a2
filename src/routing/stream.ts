import type { CancelSignal } from '../canonical/cancel.js';
import type { ChatRequest, ChatStreamEvent } from '../canonical/types.js';
import { type ProviderAdapter, type TargetCall, UpstreamError } from '../providers/types.js';
import type { AttemptSignal } from './attempt.js';
import type { CircuitBreaker } from './circuit.js';
import { asUpstreamError, cancelledError, type FailureContext, streamInterruptedError } from './errors.js';
import type { DispatchOutcome } from './outcome.js';

export interface OpenedStream {
  first: ChatStreamEvent;
  rest: AsyncIterator<ChatStreamEvent>;
  /** `now()` when the first event arrived. */
  firstAt: number;
}

/**
 * One streaming attempt: opens the upstream stream and waits for its first event, so that failures
 * up to that point (refused, 429, timeout, a stream that dies at once) are still retried and fallen
 * back from — nothing has reached the client yet.
 */
export async function openStream(
  adapter: ProviderAdapter,
  req: ChatRequest,
  call: TargetCall,
  now: () => number,
): Promise<OpenedStream> {
  const rest = (await adapter.chatStream(req, call))[Symbol.asyncIterator]();
  let r: IteratorResult<ChatStreamEvent>;
  try {
    r = await rest.next();
  } catch (e) {
    void close(rest);
    // A transport failure before the first event (a reset right after the headers) sent the client
    // nothing: it is a failed connection, retried like one, not an interruption.
    if (e instanceof UpstreamError && e.kind === 'stream_interrupted' && e.cause !== undefined)
      throw new UpstreamError('connection', e.message, { cause: e.cause });
    throw e;
  }
  if (call.signal.aborted) {
    // The router already gave up on this attempt (timeout / client gone); free the connection.
    void close(rest);
    throw call.signal.reason;
  }
  if (r.done)
    throw new UpstreamError('stream_interrupted', 'the upstream stream ended before its first event');
  return { first: r.value, rest, firstAt: now() };
}

export interface RelayContext {
  outcome: DispatchOutcome;
  signal: CancelSignal;
  breaker: CircuitBreaker;
  targetKey: string;
  /** Disposed when the stream ends, however it ends; bounds each wait for the next event. */
  attempt: Pick<AttemptSignal, 'dispose' | 'watchIdle' | 'waiting' | 'waited' | 'race' | 'timedOut'>;
  /**
   * Longest silence between two upstream events (the target's timeout): past it the stream is
   * interrupted and the upstream connection closed, rather than holding the client until the
   * transport's own backstop minutes later.
   */
  idleMs: number;
  failure: FailureContext;
  /** Called with every event of a stream that finished cleanly (to cache it); absent = don't collect. */
  onComplete?: (events: ChatStreamEvent[]) => void;
}

/**
 * The client-facing stream: the first event, then the rest as they come, recording usage as it
 * passes. Anything that goes wrong after the first event can no longer be fallen back from and is
 * thrown as stream_interrupted — including an upstream that just stops without a `finish` event,
 * which must never look like a clean end. `return()` (the consumer stops early, or never starts)
 * closes the upstream. A class rather than a generator because a generator that was never started
 * ignores `return()` and would leak the upstream connection.
 */
export class RelayStream implements AsyncIterableIterator<ChatStreamEvent> {
  private pending: ChatStreamEvent | undefined;
  private readonly rest: AsyncIterator<ChatStreamEvent>;
  private readonly events: ChatStreamEvent[] | undefined;
  private finished = false;
  private done = false;

  constructor(
    opened: OpenedStream,
    private readonly ctx: RelayContext,
  ) {
    this.pending = opened.first;
    this.rest = opened.rest;
    ctx.attempt.watchIdle(ctx.idleMs);
    this.events = ctx.onComplete ? [] : undefined;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<ChatStreamEvent, undefined>> {
    if (this.done) return { done: true, value: undefined };
    let ev = this.pending;
    this.pending = undefined;
    if (ev === undefined) {
      let r: IteratorResult<ChatStreamEvent>;
      const { attempt } = this.ctx;
      attempt.waiting();
      try {
        r = await attempt.race(this.rest.next());
      } catch (e) {
        this.end();
        if (attempt.timedOut) {
          // The upstream is silent, not closed: the abort above ends its connection; free the iterator.
          void close(this.rest);
          throw this.interrupted(
            new UpstreamError('timeout', `no stream event within ${this.ctx.idleMs} ms`, { cause: e }),
          );
        }
        throw this.interrupted(e);
      } finally {
        attempt.waited();
      }
      if (r.done) {
        this.end();
        if (!this.finished) {
          throw this.interrupted(
            new UpstreamError('stream_interrupted', 'stream ended without a finish event'),
          );
        }
        // Only a stream that finished says the upstream is healthy: one that always dies mid-answer
        // must still open its circuit.
        this.ctx.breaker.success(this.ctx.targetKey);
        if (this.events) this.ctx.onComplete?.(this.events);
        return { done: true, value: undefined };
      }
      ev = r.value;
    }
    if (ev.type === 'usage') this.ctx.outcome.usage = ev.usage;
    else if (ev.type === 'finish') this.finished = true;
    this.events?.push(ev);
    return { done: false, value: ev };
  }

  async return(): Promise<IteratorResult<ChatStreamEvent, undefined>> {
    if (!this.done) {
      this.end();
      // The consumer stopped: no verdict on the upstream, but a half-open probe slot is freed.
      this.ctx.breaker.release(this.ctx.targetKey);
      this.pending = undefined;
      await close(this.rest);
    }
    return { done: true, value: undefined };
  }

  private end(): void {
    this.done = true;
    this.ctx.attempt.dispose();
  }

  private interrupted(e: unknown): Error {
    const { ctx } = this;
    if (ctx.signal.aborted) {
      ctx.breaker.release(ctx.targetKey);
      return cancelledError(ctx.failure.model, ctx.signal);
    }
    ctx.breaker.failure(ctx.targetKey);
    return streamInterruptedError(asUpstreamError(e), ctx.failure);
  }
}

export async function* replay(
  events: readonly ChatStreamEvent[],
): AsyncGenerator<ChatStreamEvent, void, undefined> {
  for (const e of events) yield e;
}

async function close(it: AsyncIterator<ChatStreamEvent>): Promise<void> {
  try {
    await it.return?.();
  } catch {
    // Closing a broken upstream stream can fail; there is nothing left to save.
  }
}
