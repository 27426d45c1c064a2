import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;
/** The SDK transport's keep-alive comment interval on an open SSE stream. */
const KEEP_ALIVE_MS = 15_000;
const encoder = new TextEncoder();

function sseEvent(message: JSONRPCMessage): Uint8Array {
  return encoder.encode(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
}

/**
 * The HTTP answer to one POSTed request that the session dispatches itself (GatewaySession.answer),
 * fed with what the SDK Server sends for that request. The spec lets the server answer a POST with
 * `application/json` or with an SSE stream; this takes JSON when the response is the only message
 * and it is ready within `holdMs`: one body, no Web stream. Anything sent for the request before its
 * response (progress, log messages, the server's own requests), or a response that takes longer,
 * turns the answer into an SSE stream, as the SDK transport would have sent it from the start, so a
 * long call gets its headers early and keeps the SDK's keep-alive comments.
 */
export class DirectReply {
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private keepAlive: NodeJS.Timeout | undefined;
  private readonly hold: NodeJS.Timeout;
  private answered = false;
  private cancelled = false;
  private done = false;

  constructor(
    readonly requestId: RequestId,
    /** The session id and Keel's own headers (the request id), on either kind of answer. */
    private readonly headers: Record<string, string>,
    holdMs: number,
    private readonly resolve: (res: Response) => void,
    private readonly release: () => void,
  ) {
    this.hold = setTimeout(() => this.stream(), holdMs);
  }

  /** A message the Server sends for this request; the response (result or error) ends it. */
  send(message: JSONRPCMessage): Promise<void> {
    if (this.done) return Promise.resolve();
    const final = !('method' in message);
    if (final) this.finish();
    if (final && !this.answered) {
      this.answered = true;
      this.resolve(
        new Response(JSON.stringify(message), {
          status: 200,
          headers: Object.assign({ 'content-type': 'application/json' }, this.headers),
        }),
      );
      return Promise.resolve();
    }
    this.stream();
    // A stream the agent cancelled drops what is sent for it, as the SDK transport does.
    if (!this.cancelled && this.controller) {
      this.controller.enqueue(sseEvent(message));
      if (final) this.controller.close();
    }
    return Promise.resolve();
  }

  /** The session closed before the response: the stream ends without it, as on the SDK transport. */
  abandon(): void {
    if (this.done) return;
    this.finish();
    this.stream();
    if (!this.cancelled) this.controller?.close();
  }

  private finish(): void {
    this.done = true;
    clearTimeout(this.hold);
    clearInterval(this.keepAlive);
    this.release();
  }

  /** Answer with an SSE stream now (headers first), if not answered yet. */
  private stream(): void {
    if (this.answered) return;
    this.answered = true;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
      },
      cancel: () => {
        this.cancelled = true;
        clearInterval(this.keepAlive);
      },
    });
    if (!this.done) {
      this.keepAlive = setInterval(() => {
        if (!this.cancelled) this.controller?.enqueue(encoder.encode(': keepalive\n\n'));
      }, KEEP_ALIVE_MS);
      this.keepAlive.unref();
    }
    this.resolve(new Response(body, { status: 200, headers: Object.assign({}, SSE_HEADERS, this.headers) }));
  }
}
