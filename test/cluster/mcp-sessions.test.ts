/**
 * MCP sessions on three replicas behind nginx (deploy/nginx/keel.conf): a session lives in the
 * replica that opened it, so every request of it must reach that replica, and a session whose replica
 * was killed must end in a way MCP clients recover from (404, then a new session elsewhere).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FakeUpstream, startFakeOpenAI } from '../fakes/index.js';
import { type RemoteMcp, startRemoteMcp } from '../helpers/mcp.js';
import { clusterConfig, prepareReplicas, type ReplicaSet, startWebhookReceiver } from './cluster.js';
import type { Child } from './procs.js';
import {
  clusterEnvironment,
  createTestDatabase,
  mcpReplicaName,
  startNginx,
  startRedis,
  type TestDatabase,
} from './services.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REPLICAS = 3;

const environment = clusterEnvironment();
const skip = 'skip' in environment ? environment.skip : null;
if (!skip && !existsSync(join(ROOT, 'dist', 'cli', 'main.js')))
  throw new Error('test/cluster runs bin/keel.js: build first (npx tsc -p tsconfig.build.json)');

function echoServer(): McpServer {
  const s = new McpServer({ name: 'echo-fixture', version: '1.0.0' });
  s.registerTool('echo', { description: 'Echoes', inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: 'text', text: `echo: ${text}` }],
  }));
  return s;
}

async function connect(url: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`));
  const client = new Client({ name: 'cluster-agent', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

const echoText = (r: Awaited<ReturnType<Client['callTool']>>): string => {
  const first = (r.content as { type: string; text?: string }[])[0];
  return first?.text ?? '';
};

describe.skipIf(skip !== null)('MCP sessions across 3 replicas behind nginx', () => {
  let tmp = '';
  let db: TestDatabase | null = null;
  let upstream: FakeUpstream | null = null;
  let webhooks: Awaited<ReturnType<typeof startWebhookReceiver>> | null = null;
  let mcp: RemoteMcp | null = null;
  let redis: Child | null = null;
  let nginx: Awaited<ReturnType<typeof startNginx>> | null = null;
  let cluster: ReplicaSet | null = null;
  let lb = '';

  beforeAll(async () => {
    if ('skip' in environment) return;
    tmp = await mkdtemp(join(os.tmpdir(), 'keel-cluster-mcp-'));
    db = await createTestDatabase(environment.postgresUrl);
    upstream = await startFakeOpenAI();
    webhooks = await startWebhookReceiver();
    mcp = await startRemoteMcp(echoServer);
    const r = await startRedis(environment.redis, tmp);
    redis = r.child;
    cluster = await prepareReplicas({
      root: ROOT,
      dir: tmp,
      count: REPLICAS,
      databaseUrl: db.url,
      redisUrl: r.url,
      config: {
        ...clusterConfig({ upstreamUrl: upstream.url, webhookUrl: webhooks.url }),
        mcp_servers: [{ id: 'remote', url: mcp.url }],
      },
    });
    const migrate = await cluster.keel(['migrate']);
    if (migrate.code !== 0) throw new Error(`keel migrate failed (${migrate.code}):\n${migrate.stderr}`);
    for (const rep of cluster.replicas) await cluster.start(rep);
    await Promise.all(cluster.replicas.map((rep) => cluster?.ready(rep)));
    nginx = await startNginx(environment.nginx, {
      dir: tmp,
      templatePath: join(ROOT, 'deploy', 'nginx', 'keel.conf'),
      replicas: cluster.replicas.map((rep) => rep.port),
    });
    lb = nginx.url;
  }, 120_000);

  afterAll(async () => {
    await nginx?.child.stop(5_000).catch(() => undefined);
    await cluster?.stopAll().catch(() => undefined);
    await redis?.stop(5_000).catch(() => undefined);
    await mcp?.close().catch(() => undefined);
    await webhooks?.close().catch(() => undefined);
    await upstream?.close().catch(() => undefined);
    await db?.drop().catch(() => undefined);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }, 60_000);

  it('every request of a session reaches the replica that opened it', async () => {
    // Sessions opened through nginx land on different replicas (initialize is balanced)...
    const agents = await Promise.all(Array.from({ length: REPLICAS }, () => connect(lb)));
    try {
      const names = agents.map((a) => a.transport.sessionId?.split('.')[0]);
      for (const n of names) expect(n).toMatch(/^k[1-3]$/);
      // ...and each one's calls keep reaching its own replica: a call sent to another replica would
      // get 404 for a session it does not know.
      for (let i = 0; i < 8; i++) {
        for (const [j, a] of agents.entries()) {
          const res = await a.client.callTool({ name: 'remote__echo', arguments: { text: `${j}-${i}` } });
          expect(res.isError).toBeFalsy();
          expect(echoText(res)).toBe(`echo: ${j}-${i}`);
        }
      }
    } finally {
      await Promise.all(agents.map((a) => a.client.close()));
    }
  });

  it('a session whose replica was killed gets 404, and the agent starts over on another', async () => {
    const set = cluster as ReplicaSet;
    const a = await connect(lb);
    const sessionId = a.transport.sessionId ?? '';
    const owner = set.replicas.find((rep) => sessionId.startsWith(`${mcpReplicaName(rep.index)}.`));
    expect(owner).toBeDefined();
    await owner?.child?.kill('SIGKILL');

    const res = await fetch(`${lb}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'remote__echo', arguments: { text: 'x' } },
      }),
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32001);
    await a.client.close().catch(() => undefined);

    const again = await connect(lb);
    try {
      expect(again.transport.sessionId?.startsWith(`${mcpReplicaName(owner?.index ?? -1)}.`)).toBe(false);
      const r = await again.client.callTool({ name: 'remote__echo', arguments: { text: 'after' } });
      expect(echoText(r)).toBe('echo: after');
    } finally {
      await again.client.close();
    }
  });
});
