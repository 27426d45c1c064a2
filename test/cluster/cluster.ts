import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import YAML from 'yaml';
import { answers, type Child, freePort, run, spawnChild, waitFor } from './procs.js';
import { mcpReplicaName } from './services.js';

export const ADMIN_TOKEN = 'cluster-admin-token-0123456789abcdef';
export const WEBHOOK_SECRET = 'cluster-webhook-secret-0123456789';
export const MODEL = 'gpt-4o-mini';
/** USD per 1M tokens of the fake upstream's model: dear, so a handful of calls spends a budget. */
export const PRICE = { input: 100, output: 400 } as const;
export const BUDGET_USE_CASE = 'budgeted';
export const BUDGET_USD = 0.05;
export const LOAD_USE_CASE = 'load';

/** keel.yaml of every replica (snake_case, as a user writes it). */
export function clusterConfig(opts: { upstreamUrl: string; webhookUrl: string }): Record<string, unknown> {
  return {
    admin: { token: ADMIN_TOKEN },
    providers: [
      {
        id: 'fake',
        kind: 'openai-compatible',
        base_url: `${opts.upstreamUrl}/v1`,
        api_key: 'sk-fake-upstream',
      },
    ],
    models: [{ name: MODEL, targets: [{ provider: 'fake', model: 'fake-mini' }], retries: 0 }],
    pricing: { overrides: [{ model: 'fake-mini', provider: 'fake', ...PRICE }] },
    // Long enough that a replica killed under load always holds answered calls it has not written
    // yet: what the usage spool has to save.
    usage: { flush_interval_ms: 2000 },
    value: { rollup_interval_ms: 500 },
    use_cases: [{ id: LOAD_USE_CASE }, { id: BUDGET_USE_CASE, monthly_budget_usd: BUDGET_USD }],
    alerts: {
      webhooks: [{ url: opts.webhookUrl, secret: WEBHOOK_SECRET, name: 'cluster-test' }],
      evaluate_every_s: 1,
      delivery: { max_attempts: 3, backoff_ms: 100, max_backoff_ms: 500, timeout_ms: 2000 },
      rules: {
        budget_forecast: { enabled: true },
        roi_below_target: { enabled: false },
        spend_spike: { enabled: false },
        error_rate_spike: { enabled: false },
        unpriced_calls: { enabled: false },
      },
    },
    guards: { enabled: false },
    monitors: { enabled: false },
    logging: { level: 'warn' },
  };
}

export interface Replica {
  readonly index: number;
  readonly port: number;
  readonly url: string;
  readonly spoolDir: string;
  child: Child | null;
}

export interface ReplicaSet {
  readonly replicas: Replica[];
  readonly configPath: string;
  /** The environment every `keel` command of the cluster runs with. */
  readonly env: NodeJS.ProcessEnv;
  start(r: Replica): Promise<void>;
  /** Waits until /readyz answers 200 on the replica; returns how long that took. */
  ready(r: Replica, timeoutMs?: number): Promise<number>;
  keel(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  stopAll(): Promise<void>;
}

export async function prepareReplicas(opts: {
  root: string;
  dir: string;
  count: number;
  databaseUrl: string;
  redisUrl: string;
  config: Record<string, unknown>;
}): Promise<ReplicaSet> {
  const configPath = join(opts.dir, 'keel.yaml');
  await writeFile(configPath, YAML.stringify(opts.config));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    KEEL_CONFIG: configPath,
    KEEL_DATABASE_URL: opts.databaseUrl,
    KEEL_REDIS_URL: opts.redisUrl,
  };
  const replicas: Replica[] = [];
  for (let index = 0; index < opts.count; index++) {
    const port = await freePort();
    const spoolDir = join(opts.dir, `spool-${index}`);
    await mkdir(spoolDir, { recursive: true });
    replicas.push({ index, port, url: `http://127.0.0.1:${port}`, spoolDir, child: null });
  }
  const bin = join(opts.root, 'bin', 'keel.js');
  return {
    replicas,
    configPath,
    env,
    async start(r) {
      r.child = spawnChild(
        `keel replica ${r.index}`,
        process.execPath,
        [bin, 'start', '--port', String(r.port)],
        {
          cwd: opts.root,
          env: { ...env, KEEL_SPOOL_DIR: r.spoolDir, KEEL_MCP_REPLICA: mcpReplicaName(r.index) },
        },
      );
    },
    ready(r, timeoutMs = 30_000) {
      return waitFor(`replica ${r.index} /readyz`, () => answers(`${r.url}/readyz`), {
        timeoutMs,
        ...(r.child ? { child: r.child } : {}),
      });
    },
    keel: (args) => run(process.execPath, [bin, ...args], { cwd: opts.root, env, timeoutMs: 60_000 }),
    async stopAll() {
      await Promise.all(replicas.map((r) => r.child?.stop(10_000)));
    },
  };
}

export interface WebhookDelivery {
  deliveryId: string;
  event: string;
  signatureValid: boolean;
  body: { alert?: { rule?: string; subject?: string; severity?: string } };
}

/** Receives Keel's alert webhooks and keeps every attempt it got. */
export async function startWebhookReceiver(): Promise<{
  url: string;
  deliveries: WebhookDelivery[];
  close(): Promise<void>;
}> {
  const deliveries: WebhookDelivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const expected = Buffer.from(
        `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex')}`,
      );
      const got = Buffer.from(String(req.headers['x-keel-signature'] ?? ''));
      let body: WebhookDelivery['body'] = {};
      try {
        body = JSON.parse(raw) as WebhookDelivery['body'];
      } catch {
        // recorded with an empty body; the signature check still says what arrived
      }
      deliveries.push({
        deliveryId: String(req.headers['x-keel-delivery'] ?? ''),
        event: String(req.headers['x-keel-event'] ?? ''),
        signatureValid: got.length === expected.length && timingSafeEqual(got, expected),
        body,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/keel`,
    deliveries,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Admin API call; throws on a non-2xx answer. */
export async function admin<T>(baseUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${baseUrl}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} /api${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : {}) as T;
}
