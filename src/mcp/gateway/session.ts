import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  type ClientRequest,
  CompleteRequestSchema,
  GetPromptRequestSchema,
  type JSONRPCRequest,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  type Notification,
  type ProgressToken,
  ReadResourceRequestSchema,
  type Request,
  type RequestId,
  RootsListChangedNotificationSchema,
  type ServerNotification,
  type ServerRequest,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { JSONRPC, McpWireError, refusalToWire } from '../errors.js';
import { runToolCall } from '../gate.js';
import { type McpCaller, McpRefusal, type ToolCall, type ToolCallStages } from '../types.js';
import type { Catalogue, ListingPart } from './catalogue.js';
import { DirectReply } from './direct-reply.js';
import { AnyResult, callFailure, forwardFailure, type SessionLink, type Upstream } from './upstream.js';

export interface SessionDeps {
  catalogue: Catalogue;
  upstreams: ReadonlyMap<string, Upstream>;
  stages: ToolCallStages;
  newCallId: () => string;
  serverInfo: { name: string; version: string };
  /** Host/Origin checks are Keel's (route.ts), before any session is looked up. */
  onClosed: (session: GatewaySession) => void;
}

/** What a handler needs of the SDK's per-request context. */
interface Extra {
  signal: AbortSignal;
  requestId: RequestId;
  sendNotification: (n: ServerNotification) => Promise<void>;
}

type Params = Record<string, unknown> & { _meta?: Record<string, unknown> };

/** McpServer's answer to an unknown tool: a tool error, not a protocol error. */
function unknownTool(name: string): CallToolResult {
  return {
    content: [{ type: 'text', text: `MCP error ${JSONRPC.invalidParams}: Tool ${name} not found` }],
    isError: true,
  };
}

/**
 * One downstream MCP session: a low-level SDK Server (raw schemas pass through untouched) on a
 * Streamable HTTP transport, bound to the caller that initialized it. Every request is routed to
 * the upstream that owns the tool, prompt or resource; tools/call runs the policy stages.
 */
export class GatewaySession implements SessionLink {
  readonly server: Server;
  readonly transport: WebStandardStreamableHTTPServerTransport;
  lastSeen = Date.now();
  /** The newest in-flight downstream request per upstream server, for the upstream's own requests. */
  private readonly inflight = new Map<string, RequestId[]>();
  /** Requests answered without the SDK transport's HTTP handling (answer()), by request id. */
  private readonly direct = new Map<RequestId, DirectReply>();
  private closed = false;

  constructor(
    readonly id: string,
    readonly caller: McpCaller,
    private readonly deps: SessionDeps,
  ) {
    this.transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      onsessionclosed: () => this.close(),
    });
    this.server = new Server(deps.serverInfo, {
      capabilities: {
        tools: { listChanged: true },
        prompts: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        completions: {},
        logging: {},
      },
    });
    this.server.onclose = () => this.close();
    this.register();
    // What the Server sends for a request answered directly goes to that request's reply; the
    // transport routes everything else exactly as before (its own rule: a response by its id, any
    // other message by the request it relates to).
    const send = this.transport.send.bind(this.transport);
    this.transport.send = (message, options) => {
      const id = 'method' in message ? options?.relatedRequestId : (message as { id?: RequestId }).id;
      const reply = id === undefined ? undefined : this.direct.get(id);
      return reply ? reply.send(message) : send(message, options);
    };
  }

  /**
   * Dispatch one POSTed JSON-RPC request to the Server as the SDK transport would, but answer it
   * through a DirectReply: JSON when the response is the only message, else SSE. Null when the
   * request must take the transport's own path (not initialized, closed, its id already in flight).
   * The caller has done the transport's header checks (routes.ts).
   */
  answer(
    request: JSONRPCRequest,
    holdMs: number,
    headers: Record<string, string> = {},
  ): Promise<Response> | null {
    const onmessage = this.transport.onmessage;
    if (this.closed || this.transport.sessionId !== this.id || !onmessage || this.direct.has(request.id))
      return null;
    return new Promise((resolve) => {
      const reply = new DirectReply(
        request.id,
        Object.assign({ 'mcp-session-id': this.id }, headers),
        holdMs,
        resolve,
        () => this.direct.delete(request.id),
      );
      this.direct.set(request.id, reply);
      onmessage(request);
    });
  }

  async connect(): Promise<void> {
    await this.server.connect(this.transport);
  }

  clientCapabilities() {
    return this.server.getClientCapabilities();
  }

  requestClient(server: string, request: Request, signal: AbortSignal): Promise<Record<string, unknown>> {
    const related = this.related(server);
    return this.server.request(request as ServerRequest, AnyResult, {
      signal,
      ...(related !== undefined ? { relatedRequestId: related } : {}),
    });
  }

  notifyClient(server: string, notification: Notification): void {
    // Log lines ride the stream of the request that caused them, when there is one.
    const related = notification.method === 'notifications/message' ? this.related(server) : undefined;
    this.server
      .notification(
        notification as ServerNotification,
        related !== undefined ? { relatedRequestId: related } : {},
      )
      .catch(() => {});
  }

  listChanged(part: ListingPart): void {
    const send =
      part === 'tools'
        ? () => this.server.sendToolListChanged()
        : part === 'prompts'
          ? () => this.server.sendPromptListChanged()
          : () => this.server.sendResourceListChanged();
    send().catch(() => {});
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const r of [...this.direct.values()]) r.abandon();
    for (const u of this.deps.upstreams.values()) u.release(this.id);
    this.deps.onClosed(this);
    this.transport.close().catch(() => {});
  }

  private related(server: string): RequestId | undefined {
    const ids = this.inflight.get(server);
    return ids?.[ids.length - 1];
  }

  private upstream(server: string): Upstream {
    const u = this.deps.upstreams.get(server);
    if (!u) throw new McpWireError(JSONRPC.internalError, `No upstream "${server}".`);
    return u;
  }

  /** One request to an upstream on this session's behalf, cancelled with the agent's request. */
  private async forward(
    server: string,
    extra: Extra,
    request: { method: string; params?: Params },
    progressToken?: ProgressToken,
  ): Promise<Record<string, unknown>> {
    const upstream = this.upstream(server);
    const client = await upstream.clientFor(this);
    let ids = this.inflight.get(server);
    if (!ids) {
      ids = [];
      this.inflight.set(server, ids);
    }
    ids.push(extra.requestId);
    try {
      return await client.request(request as ClientRequest, AnyResult, {
        signal: extra.signal,
        timeout: upstream.callTimeoutMs,
        ...(progressToken !== undefined
          ? {
              onprogress: (p) => {
                extra
                  .sendNotification({ method: 'notifications/progress', params: { ...p, progressToken } })
                  .catch(() => {});
              },
            }
          : {}),
      });
    } finally {
      ids.splice(ids.indexOf(extra.requestId), 1);
    }
  }

  /** Forward a non-tool request; the upstream's own errors reach the agent unchanged. */
  private async pass(server: string, extra: Extra, method: string, params: Params) {
    try {
      return await this.forward(server, extra, { method, params });
    } catch (err) {
      throw forwardFailure(err, server, this.upstream(server).secrets);
    }
  }

  private visibleServer(server: string | undefined): server is string {
    return server !== undefined && this.deps.stages.visibleServer(this.caller, server);
  }

  private resourceServer(uri: string): string {
    const server = this.deps.catalogue.resourceServer(uri);
    if (!this.visibleServer(server))
      throw new McpWireError(JSONRPC.resourceNotFound, `Resource ${uri} not found`, { uri });
    return server;
  }

  private promptEntry(name: string) {
    const p = this.deps.catalogue.prompt(name);
    if (!p || !this.visibleServer(p.server))
      throw new McpWireError(JSONRPC.invalidParams, `Prompt ${name} not found`);
    return p;
  }

  private async callTool(
    params: Params & { name: string; arguments?: Record<string, unknown> },
    extra: Extra,
  ) {
    const { catalogue, stages } = this.deps;
    const found = catalogue.tool(params.name);
    if (!found) return unknownTool(params.name);
    const server = found.entry.server;
    const secrets = this.upstream(server).secrets;
    const { progressToken, ...meta } = params._meta ?? {};
    const call: ToolCall = {
      caller: this.caller,
      callId: this.deps.newCallId(),
      tool: found.entry,
      arguments: params.arguments ?? {},
      startedAt: Date.now(),
      signal: extra.signal,
      findings: [],
    };
    try {
      return await runToolCall(stages, call, async (c) => {
        const upstreamParams: Params = { name: c.tool.upstreamName, arguments: c.arguments };
        if (Object.keys(meta).length > 0) upstreamParams._meta = meta;
        try {
          return (await this.forward(
            server,
            extra,
            { method: 'tools/call', params: upstreamParams },
            progressToken as ProgressToken | undefined,
          )) as CallToolResult;
        } catch (err) {
          throw callFailure(err, server, secrets);
        }
      });
    } catch (err) {
      if (err instanceof McpRefusal) throw refusalToWire(err, call.callId);
      throw err;
    }
  }

  private register(): void {
    const s = this.server;
    const { catalogue, stages } = this.deps;
    s.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: catalogue
        .tools()
        .filter((t) => stages.visible(this.caller, t.entry))
        .map((t) => t.tool),
    }));
    s.setRequestHandler(CallToolRequestSchema, (req, extra) => this.callTool(req.params, extra));
    s.setRequestHandler(ListPromptsRequestSchema, () => ({
      prompts: catalogue
        .prompts()
        .filter((p) => this.visibleServer(p.server))
        .map((p) => p.prompt),
    }));
    s.setRequestHandler(GetPromptRequestSchema, (req, extra) => {
      const p = this.promptEntry(req.params.name);
      return this.pass(p.server, extra, req.method, { ...req.params, name: p.upstreamName });
    });
    s.setRequestHandler(ListResourcesRequestSchema, () => ({
      resources: catalogue
        .resources()
        .filter((r) => this.visibleServer(r.server))
        .map((r) => r.resource),
    }));
    s.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
      resourceTemplates: catalogue
        .templates()
        .filter((t) => this.visibleServer(t.server))
        .map((t) => t.template),
    }));
    s.setRequestHandler(ReadResourceRequestSchema, (req, extra) =>
      this.pass(this.resourceServer(req.params.uri), extra, req.method, req.params),
    );
    const subscription =
      (on: boolean) => async (req: { method: string; params: Params & { uri: string } }, extra: Extra) => {
        const server = this.resourceServer(req.params.uri);
        const upstream = this.upstream(server);
        if (upstream.subscribe && !upstream.subscribe(this, req.params.uri, on)) return {};
        return this.pass(server, extra, req.method, req.params);
      };
    s.setRequestHandler(SubscribeRequestSchema, subscription(true));
    s.setRequestHandler(UnsubscribeRequestSchema, subscription(false));
    s.setRequestHandler(CompleteRequestSchema, (req, extra) => {
      const ref = req.params.ref;
      if (ref.type === 'ref/prompt') {
        const p = this.promptEntry(ref.name);
        return this.pass(p.server, extra, req.method, {
          ...req.params,
          ref: { ...ref, name: p.upstreamName },
        });
      }
      return this.pass(this.resourceServer(ref.uri), extra, req.method, req.params);
    });
    // The level applies to this session's own upstream sessions; shared (stdio) servers keep theirs.
    s.setRequestHandler(SetLevelRequestSchema, async (req) => {
      await Promise.allSettled(
        [...this.deps.upstreams.values()]
          .filter((u) => u.transport === 'http' && this.visibleServer(u.id))
          .map(async (u) => {
            const client = await u.clientFor(this);
            if (client.getServerCapabilities()?.logging) await client.setLoggingLevel(req.params.level);
          }),
      );
      return {};
    });
    s.setNotificationHandler(RootsListChangedNotificationSchema, async () => {
      for (const u of this.deps.upstreams.values())
        if (u.transport === 'http' && u.has(this.id))
          u.clientFor(this)
            .then((c) => c.sendRootsListChanged())
            .catch(() => {});
    });
  }
}
