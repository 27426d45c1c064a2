import { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CreateMessageRequestSchema,
  type CreateMessageResult,
  ElicitRequestSchema,
  type ElicitResult,
  ListRootsRequestSchema,
  type ListRootsResult,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { Agent } from 'undici';
import type { McpRemoteServerConfig } from '../../config/mcp.js';
import { durationMs } from '../../config/mcp.js';
import type { McpServerStatus } from '../types.js';
import type { Catalogue } from './catalogue.js';
import { loadListing, watchListing } from './listing.js';
import {
  CONNECT_TIMEOUT_MS,
  callFailure,
  forwardedCapabilities,
  type ListChanged,
  maskText,
  type SessionLink,
  type Upstream,
} from './upstream.js';
import { type UpstreamPost, UpstreamTransport } from './upstream-transport.js';

/**
 * How Keel's upstream clients send HTTP. The SDK's client uses global fetch, which sends every body
 * as a stream: chunked, its end a separate socket write, and undici walks the listeners of the one
 * long-lived AbortSignal the SDK hands every request (those of finished requests linger until they
 * are collected). POSTs go through a keep-alive undici Agent instead, with the JSON as one sized
 * body and the signal released when the exchange ends: `post` for requests (UpstreamTransport reads
 * their answers from the Node stream), `fetch` for the SDK's own POSTs (notifications, responses,
 * initialize); GET streams and DELETE stay on global fetch.
 */
export function createUpstreamFetch(): { fetch: FetchLike; post: UpstreamPost; close(): Promise<void> } {
  const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });
  return {
    post: (url, headers, body, signal) =>
      agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers,
        body,
        signal,
      }),
    fetch: async (input, init) => {
      if (init?.method !== 'POST' || typeof init.body !== 'string') return fetch(input, init);
      const url = typeof input === 'string' ? new URL(input) : input;
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((v, k) => {
        headers[k] = v;
      });
      const res = await agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers,
        body: init.body,
        ...(init.signal ? { signal: init.signal } : {}),
      });
      const out = new Headers();
      for (const [k, v] of Object.entries(res.headers))
        for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) out.append(k, x);
      if (res.statusCode === 202 || res.statusCode === 204) {
        await res.body.dump();
        return new Response(null, { status: res.statusCode, headers: out });
      }
      return new Response(Readable.toWeb(res.body) as ReadableStream<Uint8Array>, {
        status: res.statusCode,
        headers: out,
      });
    },
    close: () => agent.close(),
  };
}

export interface UpstreamDeps {
  catalogue: Catalogue;
  onListChanged: ListChanged;
  /** Connection trouble, already masked. */
  onProblem: (server: string, message: string) => void;
  clientInfo: { name: string; version: string };
  /** The HTTP client of every upstream connection (createUpstreamFetch). */
  fetch: FetchLike;
  /** Requests' POSTs, read without Web streams (upstream-transport.ts). */
  post: UpstreamPost;
}

/** Retries of the catalogue connection to a server that is down: 1 s doubling to 60 s. */
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 60_000;

/**
 * A remote server over Streamable HTTP. One connection of Keel's own keeps the catalogue (and hears
 * list_changed); each downstream session gets its own upstream session, opened on first use, so the
 * server's requests (sampling, elicitation, roots), log messages and resource updates reach the
 * right agent. The configured headers go on every upstream request and nowhere else.
 */
export function createHttpUpstream(cfg: McpRemoteServerConfig, deps: UpstreamDeps): Upstream {
  const { catalogue, clientInfo } = deps;
  const url = new URL(cfg.url);
  const secrets = Object.values(cfg.headers);
  const timeout = durationMs(cfg.call_timeout);
  const sessions = new Map<string, Promise<Client>>();
  let control: Client | null = null;
  let state: McpServerStatus['state'] = 'starting';
  let since = Date.now();
  let lastError: string | null = null;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;
  let closed = false;

  const transport = () =>
    new UpstreamTransport(
      url,
      { requestInit: { headers: { ...cfg.headers } }, fetch: deps.fetch },
      deps.post,
      cfg.headers,
    );

  function setState(next: McpServerStatus['state'], error?: unknown): void {
    if (error !== undefined) {
      lastError = maskText(error instanceof Error ? error.message : String(error), secrets);
      deps.onProblem(cfg.id, lastError);
    }
    if (next !== state) {
      state = next;
      since = Date.now();
    }
  }

  async function connectControl(): Promise<void> {
    const client = new Client(clientInfo, { capabilities: {} });
    client.onerror = () => {};
    watchListing(client, cfg.id, catalogue, CONNECT_TIMEOUT_MS, deps.onListChanged, (err) =>
      setState(state, err),
    );
    try {
      await client.connect(transport(), { timeout: CONNECT_TIMEOUT_MS });
      await loadListing(client, cfg.id, catalogue, CONNECT_TIMEOUT_MS);
    } catch (err) {
      await client.close().catch(() => {});
      throw err;
    }
    control = client;
    failures = 0;
    setState('up');
    for (const part of ['tools', 'prompts', 'resources', 'templates'] as const)
      deps.onListChanged(cfg.id, part);
  }

  function scheduleRetry(): void {
    if (closed) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** failures++);
    retry = setTimeout(() => {
      connectControl().catch((err: unknown) => {
        setState('down', err);
        scheduleRetry();
      });
    }, delay);
    retry.unref();
  }

  async function openSession(link: SessionLink): Promise<Client> {
    const capabilities = forwardedCapabilities(link.clientCapabilities());
    const client = new Client(clientInfo, { capabilities });
    client.onerror = () => {};
    const ask =
      <R>() =>
      (req: { method: string; params?: Record<string, unknown> }, extra: { signal: AbortSignal }) =>
        link.requestClient(cfg.id, req, extra.signal) as Promise<R>;
    if (capabilities.sampling)
      client.setRequestHandler(CreateMessageRequestSchema, ask<CreateMessageResult>());
    if (capabilities.elicitation) client.setRequestHandler(ElicitRequestSchema, ask<ElicitResult>());
    if (capabilities.roots) client.setRequestHandler(ListRootsRequestSchema, ask<ListRootsResult>());
    // The catalogue connection already hears list changes; the session's copies would repeat them.
    for (const s of [
      ToolListChangedNotificationSchema,
      PromptListChangedNotificationSchema,
      ResourceListChangedNotificationSchema,
    ])
      client.setNotificationHandler(s, () => {});
    client.fallbackNotificationHandler = async (n) => link.notifyClient(cfg.id, n);
    await client.connect(transport(), { timeout: CONNECT_TIMEOUT_MS });
    setState('up');
    return client;
  }

  return {
    id: cfg.id,
    transport: 'http',
    callTimeoutMs: timeout,
    secrets,
    has: (sessionId) => sessions.has(sessionId),
    status: () => ({
      id: cfg.id,
      transport: 'http',
      state,
      sandboxed: false,
      restarts: 0,
      lastError,
      tools: catalogue.toolCount(cfg.id),
      since,
    }),
    async start() {
      try {
        await connectControl();
      } catch (err) {
        setState('down', err);
        scheduleRetry();
      }
    },
    clientFor(link) {
      let p = sessions.get(link.id);
      if (!p) {
        p = openSession(link).catch((err: unknown) => {
          sessions.delete(link.id);
          setState('down', err);
          throw callFailure(err, cfg.id, secrets);
        });
        sessions.set(link.id, p);
      }
      return p;
    },
    release(sessionId) {
      const p = sessions.get(sessionId);
      if (!p) return;
      sessions.delete(sessionId);
      p.then(async (client) => {
        // Ends the upstream session (DELETE), so the server frees it too.
        await (client.transport as StreamableHTTPClientTransport | undefined)?.terminateSession();
        await client.close();
      }).catch(() => {});
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      const all = [...sessions.keys()];
      for (const id of all) this.release(id);
      await control?.close().catch(() => {});
    },
  };
}
