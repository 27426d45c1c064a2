import {
  StreamableHTTPClientTransport,
  type StreamableHTTPClientTransportOptions,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mediaTypeEssence } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import type { TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type JSONRPCMessage, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Dispatcher } from 'undici';

/** One POST over Keel's keep-alive undici Agent (createUpstreamFetch), the body as one sized write. */
export type UpstreamPost = (
  url: URL,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
) => Promise<Dispatcher.ResponseData>;

/** The SDK transport's own reconnection (backoff, the server's `retry`), used when a stream must resume. */
interface SdkReconnection {
  _scheduleReconnection?(
    options: { resumptionToken?: string; onresumptiontoken?: (token: string) => void },
    attempt: number,
  ): void;
  _serverRetryMs?: number;
}

interface SseEvent {
  id?: string;
  event?: string;
  data: string;
  retry?: number;
}

/**
 * A Server-Sent Events parser (the WHATWG rules the SDK's parser follows): lines end in LF, CRLF or
 * CR, `data` lines join with LF, a blank line dispatches, comments and unknown fields are ignored.
 */
export class SseParser {
  private buf = '';
  private data: string[] = [];
  private id: string | undefined;
  private event: string | undefined;
  private retry: number | undefined;
  private sawField = false;

  push(text: string, out: (e: SseEvent) => void): void {
    this.buf += text;
    let start = 0;
    for (;;) {
      let end = -1;
      for (let i = start; i < this.buf.length; i++) {
        const ch = this.buf.charCodeAt(i);
        if (ch === 10 || ch === 13) {
          end = i;
          break;
        }
      }
      // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
      if (end === -1 || (end === this.buf.length - 1 && this.buf.charCodeAt(end) === 13)) break;
      this.line(this.buf.slice(start, end), out);
      start = end + (this.buf.charCodeAt(end) === 13 && this.buf.charCodeAt(end + 1) === 10 ? 2 : 1);
    }
    this.buf = this.buf.slice(start);
  }

  private line(line: string, out: (e: SseEvent) => void): void {
    if (line === '') {
      if (this.sawField) {
        out({
          data: this.data.join('\n'),
          ...(this.id !== undefined ? { id: this.id } : {}),
          ...(this.event !== undefined ? { event: this.event } : {}),
          ...(this.retry !== undefined ? { retry: this.retry } : {}),
        });
      }
      this.data = [];
      this.id = this.event = this.retry = undefined;
      this.sawField = false;
      return;
    }
    if (line.charCodeAt(0) === 58) return; // a ':' comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    this.sawField = true;
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id') {
      if (!value.includes('\0')) this.id = value;
    } else if (field === 'retry') {
      if (/^\d+$/.test(value)) this.retry = Number(value);
    }
  }
}

/** A request other than initialize (whose answer sets the session id the SDK transport keeps). */
function isRequest(message: JSONRPCMessage | JSONRPCMessage[]): boolean {
  return (
    !Array.isArray(message) &&
    'method' in message &&
    message.method !== 'initialize' &&
    'id' in message &&
    message.id !== undefined
  );
}

function isResult(message: JSONRPCMessage): boolean {
  return 'result' in message && 'id' in message;
}

/**
 * Keel's upstream client transport: the SDK's StreamableHTTPClientTransport, with a request's POST
 * (every tools/call, resources/read, prompts/get …) sent over Keel's pooled undici Agent and its
 * answer — `application/json` or an SSE stream — read from the Node stream directly, instead of
 * through fetch's Web streams, a TextDecoderStream and the SDK's EventSourceParserStream. Every
 * message is handed to the SDK's Client exactly as the SDK transport would hand it (the same
 * validation, the same order), so progress, log messages, the server's own requests during a call,
 * cancellation and timeouts behave as before. A stream that ends before the response after a
 * priming event is resumed by the SDK's own reconnection; redirects, notifications, responses,
 * GET streams, DELETE and resumption requests take the SDK's path.
 */
export class UpstreamTransport extends StreamableHTTPClientTransport {
  private readonly closing = new AbortController();
  /** The configured headers, lower-cased as the SDK's Headers would send them. */
  private readonly extraHeaders: Record<string, string>;

  constructor(
    private readonly endpoint: URL,
    opts: StreamableHTTPClientTransportOptions,
    private readonly post: UpstreamPost,
    extraHeaders: Record<string, string>,
  ) {
    super(endpoint, opts);
    this.extraHeaders = Object.fromEntries(
      Object.entries(extraHeaders).map(([k, v]) => [k.toLowerCase(), v]),
    );
  }

  override async close(): Promise<void> {
    this.closing.abort();
    await super.close();
  }

  override async send(
    message: JSONRPCMessage | JSONRPCMessage[],
    options?: TransportSendOptions,
  ): Promise<void> {
    if (options?.resumptionToken || Array.isArray(message) || !isRequest(message))
      return super.send(message, options);
    try {
      await this.sendRequest(message, options);
    } catch (err) {
      this.onerror?.(err as Error);
      throw err;
    }
  }

  private async sendRequest(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const headers: Record<string, string> = {};
    if (this.sessionId) headers['mcp-session-id'] = this.sessionId;
    if (this.protocolVersion) headers['mcp-protocol-version'] = this.protocolVersion;
    Object.assign(headers, this.extraHeaders);
    headers['content-type'] = 'application/json';
    headers.accept = 'application/json, text/event-stream';
    const res = await this.post(this.endpoint, headers, JSON.stringify(message), this.closing.signal);
    const status = res.statusCode;
    if (status >= 300 && status < 400) {
      // The server did not take the request: the SDK's path follows a same-origin redirect.
      await res.body.dump();
      return super.send(message, options);
    }
    if (status < 200 || status >= 300) {
      const text = await res.body.text().catch(() => null);
      throw new StreamableHTTPError(status, `Error POSTing to endpoint: ${text}`);
    }
    if (status === 202) {
      await res.body.dump();
      return;
    }
    const header = res.headers['content-type'];
    const type = mediaTypeEssence(Array.isArray(header) ? header[0] : header);
    if (type === 'text/event-stream') {
      this.readStream(res.body, options?.onresumptiontoken).catch(() => {});
      return;
    }
    if (type === 'application/json') {
      const data: unknown = await res.body.json();
      for (const m of Array.isArray(data) ? data : [data]) this.onmessage?.(JSONRPCMessageSchema.parse(m));
      return;
    }
    await res.body.dump();
    throw new StreamableHTTPError(-1, `Unexpected content type: ${header}`);
  }

  /** A POST's SSE answer, as the SDK's _handleSseStream reads it (not reconnectable by itself). */
  private async readStream(
    body: Dispatcher.ResponseData['body'],
    onresumptiontoken: ((token: string) => void) | undefined,
  ): Promise<void> {
    const sdk = this as unknown as SdkReconnection;
    const parser = new SseParser();
    const decoder = new TextDecoder();
    let lastEventId: string | undefined;
    let primed = false;
    let answered = false;
    const onEvent = (e: SseEvent) => {
      if (e.retry !== undefined) sdk._serverRetryMs = e.retry;
      if (e.id) {
        lastEventId = e.id;
        primed = true;
        onresumptiontoken?.(e.id);
      }
      if (!e.data || (e.event && e.event !== 'message')) return;
      try {
        const message = JSONRPCMessageSchema.parse(JSON.parse(e.data));
        if (isResult(message)) answered = true;
        this.onmessage?.(message);
      } catch (err) {
        this.onerror?.(err as Error);
      }
    };
    const events: SseEvent[] = [];
    const collect = (e: SseEvent) => events.push(e);
    let delivered = 0;
    // The Client runs notification handlers a microtask after delivery but settles a response at
    // once: a turn between messages (as the SDK's stream reader gives) keeps a call's progress
    // ahead of its result.
    const drain = async () => {
      for (const e of events) {
        if (delivered++ > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        onEvent(e);
      }
      events.length = 0;
    };
    try {
      for await (const chunk of body) {
        parser.push(decoder.decode(chunk as Buffer, { stream: true }), collect);
        await drain();
      }
      parser.push(decoder.decode(), collect);
      await drain();
    } catch (err) {
      this.onerror?.(new Error(`SSE stream disconnected: ${err}`));
    }
    // Closed before the response after a priming event: resume with Last-Event-ID, as the SDK does.
    if (primed && !answered && !this.closing.signal.aborted) {
      const options = { resumptionToken: lastEventId, ...(onresumptiontoken ? { onresumptiontoken } : {}) };
      if (typeof sdk._scheduleReconnection === 'function') sdk._scheduleReconnection(options, 0);
      else if (lastEventId) await this.resumeStream(lastEventId, options);
    }
  }
}
