import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdminRole } from '../access/admin.js';
import { memoryAudit } from '../access/memory-audit.js';
import type { EndpointScope } from '../access/model.js';
import type { AuditEntryInput, AuditLog } from '../audit/types.js';
import { parseConfig } from '../config/load.js';
import { alertsApi } from '../http/admin/alerts.js';
import { adminTestApp, fixedAdmin } from '../http/admin/testkit.js';
import { useCasesApi } from '../http/admin/use-cases.js';
import { valueApi } from '../http/admin/value.js';
import { outcomeRoutes } from '../http/outcomes.js';
import { createAuthenticator } from '../pipeline/authenticate.js';
import { authorizeEndpoint } from '../pipeline/authorize.js';
import { type Database, openDatabase } from '../store/db.js';
import type { UsageEvent } from '../store/types.js';
import { createUsageWriter, type UsageWriter } from '../store/usage.js';
import type { WebhookDeps } from './alerts/webhook.js';
import { createValueService, type ValueService } from './service.js';

/** The admin groups the value features own. */
const VALUE_GROUPS = [useCasesApi, alertsApi, valueApi];

let seq = 0;

/** A usage event with sensible defaults: a successful, priced chat call. */
export function usageEvent(p: Partial<UsageEvent> & { ts: number }): UsageEvent {
  seq++;
  return {
    requestId: `req_test_${seq}_${Math.random().toString(36).slice(2, 8)}`,
    endpoint: 'chat',
    apiShape: 'openai',
    stream: false,
    modelRequested: 'gpt-test',
    provider: 'sim',
    modelUpstream: 'gpt-test',
    attempts: 1,
    fallbacks: [],
    cacheHit: false,
    status: 200,
    errorCode: null,
    latencyMs: 100,
    ttftMs: null,
    inputTokens: 100,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 50,
    reasoningTokens: 0,
    tokensEstimated: false,
    costUsd: 0.01,
    priceVersion: 'test',
    keyId: null,
    useCase: 'unassigned',
    team: null,
    userId: null,
    feature: null,
    traceId: null,
    ...p,
  };
}

/** Writes events through the real usage writer (the path the gateway uses). */
export async function writeEvents(database: Database, events: UsageEvent[]): Promise<void> {
  const w = createUsageWriter(database, { flushIntervalMs: 60_000, batchSize: 10_000 });
  for (const e of events) w.record(e);
  await w.close();
}

export function memoryAuditLog(): AuditLog & { entries: AuditEntryInput[] } {
  return memoryAudit();
}

export interface Clock {
  now: () => number;
  set(t: number): void;
}

export function clock(start: number): Clock {
  let t = start;
  return {
    now: () => t,
    set: (v) => {
      t = v;
    },
  };
}

export interface ValueHarness {
  database: Database;
  value: ValueService;
  audit: AuditLog & { entries: AuditEntryInput[] };
  usage: UsageWriter;
  /** The app: /v1/outcomes, /v1/feedback and the value admin API under /api (as an admin). */
  request(path: string, init?: RequestInit & { json?: unknown; key?: string }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * A Keel-shaped app with only the value pieces: real authenticator (keel.yaml keys), real outcome
 * routes, the value admin routes behind a fixed admin principal, errors rendered like the app does.
 */
export async function valueHarness(
  url: string,
  configInput: Record<string, unknown>,
  opts: { now: () => number; webhook?: WebhookDeps; role?: AdminRole },
): Promise<ValueHarness> {
  const config = parseConfig({ database: { url }, ...configInput }, {});
  const database = await openDatabase(url);
  const audit = memoryAuditLog();
  const usage = createUsageWriter(database, { flushIntervalMs: 60_000, batchSize: 10_000 });
  const value = await createValueService({
    config,
    database,
    audit,
    usage,
    now: opts.now,
    ...(opts.webhook ? { webhook: opts.webhook } : {}),
  });
  const authn = createAuthenticator(config, null, opts.now);
  const pipeline = {
    authenticate: async (h: Record<string, string | undefined>, ep: EndpointScope, ip: string | null) => {
      const p = await authn(h);
      authorizeEndpoint(p, ep, ip);
      return p;
    },
  };
  const app = adminTestApp(
    { config, audit, database, value, now: opts.now },
    {
      groups: VALUE_GROUPS,
      // A fixed caller: these tests are about the value routes, not admin authentication.
      authenticate: fixedAdmin(opts.role),
      mount: (a) => a.route('/v1', outcomeRoutes({ pipeline, outcomes: value.outcomes, trustProxy: false })),
    },
  );
  return {
    database,
    value,
    audit,
    usage,
    request: async (path, init = {}) => {
      const { json, key, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (json !== undefined) headers.set('content-type', 'application/json');
      if (key) headers.set('authorization', `Bearer ${key}`);
      return app.request(path, {
        ...rest,
        headers,
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      });
    },
    close: async () => {
      await value.close();
      await usage.close();
      await database.close();
    },
  };
}

/** One webhook delivery as a receiver got it. */
export interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  got: Delivery[];
  close(): Promise<void>;
}

/**
 * A webhook receiver on 127.0.0.1:0 that keeps every delivery; `status(n)` answers the n-th
 * (from 1), 204 by default.
 */
export async function webhookReceiver(status: (n: number) => number = () => 204): Promise<WebhookReceiver> {
  const got: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = status(got.length);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    got,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
