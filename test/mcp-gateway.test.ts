import type { IncomingMessage } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { KeelApp, RunningServer } from '../src/app.types.js';
import { buildKeel } from '../src/build.js';
import { parseConfig } from '../src/config/load.js';
import { openStages } from '../src/mcp/gate.js';
import { McpRefusal, type ToolCall, type ToolCallOutcome } from '../src/mcp/types.js';
import { serve } from '../src/server.js';
import { eventually } from './helpers/keel.js';
import { registerCountTool, startRemoteMcp } from './helpers/mcp.js';

const KEY_A = 'mcp-key-a-SECRET-11aa22';
const KEY_B = 'mcp-key-b-SECRET-33bb44';
const UPSTREAM_TOKEN = 'upstream-token-SECRET-9f8e7d';
const STDIO_SECRET = 'stdio-env-SECRET-5c5c5c';

/** A remote MCP server over Streamable HTTP (one McpServer per session), as the SDK builds them. */
async function startRemote(): Promise<{
  url: string;
  seen: IncomingMessage['headers'][];
  /** How each `wait` call ended: cancelled by Keel, or finished. */
  waits: Promise<'cancelled' | 'finished'>[];
  close(): Promise<void>;
}> {
  const waits: Promise<'cancelled' | 'finished'>[] = [];
  const newServer = () => {
    const s = new McpServer({ name: 'remote-fixture', version: '1.0.0' });
    s.registerTool(
      'echo',
      { description: 'Echoes', inputSchema: { text: z.string() } },
      async ({ text }) => ({
        content: [{ type: 'text', text: `echo: ${text}` }],
      }),
    );
    registerCountTool(s);
    s.registerTool(
      'wait',
      { description: 'Waits until cancelled or ms pass', inputSchema: { ms: z.number() } },
      async ({ ms }, extra) => {
        const ended = new Promise<'cancelled' | 'finished'>((resolve) => {
          const t = setTimeout(() => resolve('finished'), ms);
          extra.signal.addEventListener('abort', () => {
            clearTimeout(t);
            resolve('cancelled');
          });
        });
        waits.push(ended);
        await ended;
        return { content: [{ type: 'text', text: 'waited' }] };
      },
    );
    s.registerPrompt(
      'greet',
      { description: 'A greeting', argsSchema: { name: z.string() } },
      ({ name }) => ({
        messages: [{ role: 'user', content: { type: 'text', text: `Hello ${name}` } }],
      }),
    );
    s.registerResource('greeting', 'remote://greeting', { mimeType: 'text/plain' }, async (uri) => ({
      contents: [{ uri: uri.href, text: 'hi from remote' }],
    }));
    return s;
  };
  const remote = await startRemoteMcp(newServer);
  return { ...remote, waits };
}

describe('MCP gateway at /mcp', () => {
  let remote: Awaited<ReturnType<typeof startRemote>>;
  let app: KeelApp;
  let server: RunningServer;
  let client: Client;
  const recorded: { call: ToolCall; outcome: ToolCallOutcome }[] = [];

  const connect = async (key: string | null, name = 'test-agent'): Promise<Client> => {
    const c = new Client({ name, version: '1.0.0' });
    await c.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: key ? { authorization: `Bearer ${key}` } : {} },
      }),
    );
    return c;
  };

  beforeAll(async () => {
    remote = await startRemote();
    const config = parseConfig(
      {
        database: { url: 'sqlite::memory:' },
        logging: { level: 'silent' },
        auth: {
          keys: [
            { name: 'a', key: KEY_A },
            { name: 'b', key: KEY_B },
          ],
        },
        mcp_servers: [
          // biome-ignore lint/suspicious/noTemplateCurlyInString: keel.yaml ${VAR} interpolation, read by parseConfig
          { id: 'remote', url: remote.url, headers: { authorization: 'Bearer ${UPSTREAM_TOKEN}' } },
          // The same server again, with a call timeout short enough to hit.
          {
            id: 'slow',
            url: remote.url,
            // biome-ignore lint/suspicious/noTemplateCurlyInString: keel.yaml ${VAR} interpolation, read by parseConfig
            headers: { authorization: 'Bearer ${UPSTREAM_TOKEN}' },
            call_timeout: '200ms',
          },
          {
            id: 'local',
            command: process.execPath,
            args: ['test/fixtures/mcp/stdio-server.mjs'],
            env: { FIXTURE_SECRET: STDIO_SECRET },
          },
          {
            id: 'short',
            command: process.execPath,
            args: ['test/fixtures/mcp/stdio-server.mjs'],
            sandbox: { max_lifetime: '1s' },
            max_restarts: 0,
          },
          {
            id: 'everything',
            command: process.execPath,
            args: ['node_modules/@modelcontextprotocol/server-everything/dist/index.js', 'stdio'],
          },
        ],
      },
      { UPSTREAM_TOKEN },
    );
    app = await buildKeel(config, {
      logger: pino({ level: 'silent' }),
      mcp: {
        // The sandbox is another part's; here the command runs as configured.
        prepareSandbox: async (s) => ({
          command: s.command,
          args: s.args,
          env: { ...s.env, PATH: process.env.PATH ?? '' },
          close: async () => {},
        }),
        stages: openStages({
          // What a key may see: one tool hidden, and nothing but tools from one server.
          visible: (_caller, tool) => tool.name !== 'local__crash',
          visibleServer: (_caller, server) => server !== 'everything',
          authorize: (call) => {
            if (call.tool.name === 'remote__echo' && call.arguments.text === 'forbidden')
              throw new McpRefusal('tool_not_allowed', 'This key may not call remote__echo.', {
                tool: call.tool.name,
              });
          },
          record: (call, outcome) => recorded.push({ call, outcome }),
        }),
        restartBaseMs: 10,
      },
    });
    server = await serve(app, { host: '127.0.0.1', port: 0 });
    client = await connect(KEY_A);
  }, 20_000);

  // The agent first, the upstream last: each closes what the one before it was using.
  afterAll(async () => {
    for (const part of [client, server, app, remote]) await part?.close();
  });

  it('merges every server into one catalogue named <server>__<name>', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['remote__echo', 'remote__count', 'local__whoami', 'everything__echo']),
    );
    expect(names.every((n) => /^(remote|slow|local|short|everything)__/.test(n))).toBe(true);
    expect(names).not.toContain('local__crash');
    expect(tools.find((t) => t.name === 'remote__echo')?.inputSchema.properties).toHaveProperty('text');
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toContain('remote__greet');
    expect(prompts.some((p) => p.name.startsWith('everything__'))).toBe(false);
    expect(app.services.mcp?.catalogue().some((t) => t.name === 'local__crash')).toBe(true);
    const got = await client.getPrompt({ name: 'remote__greet', arguments: { name: 'Ada' } });
    expect(got.messages[0]?.content).toEqual({ type: 'text', text: 'Hello Ada' });
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain('remote://greeting');
    const read = await client.readResource({ uri: 'remote://greeting' });
    expect(read.contents[0]).toMatchObject({ text: 'hi from remote' });
    expect(app.services.mcp?.catalogue()).toContainEqual({
      name: 'local__shout',
      server: 'local',
      upstreamName: 'shout',
    });
  });

  it('calls tools end to end; the upstream sees Keel’s credential, never the agent’s', async () => {
    const r = await client.callTool({ name: 'remote__echo', arguments: { text: 'hi' } });
    expect(r.content).toEqual([{ type: 'text', text: 'echo: hi' }]);
    expect((await client.callTool({ name: 'local__shout', arguments: { text: 'hi' } })).content).toEqual([
      { type: 'text', text: 'HI' },
    ]);
    const e = await client.callTool({ name: 'everything__echo', arguments: { message: 'x' } });
    expect(JSON.stringify(e.content)).toContain('x');
    expect(remote.seen.length).toBeGreaterThan(0);
    for (const h of remote.seen) {
      expect(h.authorization).toBe(`Bearer ${UPSTREAM_TOKEN}`);
      expect(JSON.stringify(h)).not.toContain(KEY_A);
    }
    const last = recorded.at(-1);
    expect(last?.outcome.kind).toBe('ok');
    expect(last?.call.caller.principal?.name).toBe('a');
  });

  it('forwards progress with the client’s own token', async () => {
    const seen: number[] = [];
    const r = await client.callTool({ name: 'remote__count', arguments: { to: 3 } }, undefined, {
      onprogress: (p) => seen.push(p.progress),
    });
    expect(r.content).toEqual([{ type: 'text', text: 'counted to 3' }]);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('turns a stage’s refusal into its JSON-RPC error, recorded once', async () => {
    const before = recorded.length;
    const err = await client
      .callTool({ name: 'remote__echo', arguments: { text: 'forbidden' } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(McpError);
    expect(err.code).toBe(-32001);
    expect(err.data).toMatchObject({ code: 'tool_not_allowed', tool: 'remote__echo' });
    expect(err.data.call_id).toMatch(/^mcp_/);
    expect(recorded.length).toBe(before + 1);
    expect(recorded.at(-1)?.outcome.kind).toBe('refused');
  });

  it('cancels the upstream call when the agent cancels, and fails a call past call_timeout', async () => {
    const ac = new AbortController();
    const before = remote.waits.length;
    const call = client.callTool({ name: 'remote__wait', arguments: { ms: 30_000 } }, undefined, {
      signal: ac.signal,
    });
    await eventually(async () => expect(remote.waits.length).toBe(before + 1), 5000);
    ac.abort();
    await expect(call).rejects.toThrow();
    expect(await remote.waits[before]).toBe('cancelled');

    const err = await client.callTool({ name: 'slow__wait', arguments: { ms: 30_000 } }).catch((e) => e);
    expect(err).toBeInstanceOf(McpError);
    expect(err.code).toBe(-32006);
    expect(err.data).toMatchObject({ code: 'upstream_timeout' });
    expect(await remote.waits[before + 1]).toBe('cancelled');
    expect(recorded.at(-1)?.outcome.kind).toBe('failed');
  });

  it('answers an unknown tool like the SDK’s McpServer, without recording it', async () => {
    const before = recorded.length;
    const r = await client.callTool({ name: 'remote__nope', arguments: {} });
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r.content)).toContain('Tool remote__nope not found');
    expect(recorded.length).toBe(before);
  });

  it('restarts a local server that dies, and keeps its stderr masked', async () => {
    const pidOf = async () => {
      const r = await client.callTool({ name: 'local__whoami', arguments: {} });
      return (r.content as { text: string }[])[0]?.text;
    };
    const first = await pidOf();
    await client.callTool({ name: 'local__crash', arguments: {} });
    const status = await eventually(async () => {
      const s = app.services.mcp?.servers().find((x) => x.id === 'local');
      if (s?.restarts !== 1 || s.state !== 'up') throw new Error(`not restarted yet: ${JSON.stringify(s)}`);
      return s;
    }, 10_000);
    expect(status.lastError).toContain('dying with token');
    expect(status.lastError).not.toContain(STDIO_SECRET);
    const second = await pidOf();
    expect(second).toMatch(/^\d+$/);
    expect(second).not.toBe(first);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^keel_mcp_server_restarts_total\{server="local"\} 1$/m);
    expect(metrics).toMatch(/^keel_mcp_server_up\{server="remote"\} 1$/m);
    expect(metrics).toMatch(/^keel_mcp_sessions [1-9]/m);
  });

  it('replaces a local server after sandbox.max_lifetime, whatever max_restarts says', async () => {
    // The process is replaced every second: a call may land while the next one starts.
    const pid = () =>
      eventually(async () =>
        JSON.stringify((await client.callTool({ name: 'short__whoami', arguments: {} })).content),
      );
    const short = () => app.services.mcp?.servers().find((x) => x.id === 'short');
    const first = await pid();
    const before = short()?.restarts ?? 0;
    await eventually(async () => {
      const s = short();
      if (!s || s.restarts <= before || s.state !== 'up')
        throw new Error(`not replaced yet: ${JSON.stringify(s)}`);
      expect(s.sandboxed).toBe(true);
    }, 10_000);
    expect(await pid()).not.toBe(first);
  });

  it('still serves clients of protocol revision 2025-06-18', async () => {
    const res = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${KEY_B}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'old', version: '1' },
        },
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('mcp-session-id')).toBeTruthy();
    expect(await res.text()).toContain('"protocolVersion":"2025-06-18"');
  });

  it('refuses a session used with another key, and callers without a key', async () => {
    const sid = (client.transport as StreamableHTTPClientTransport).sessionId ?? '';
    const post = (headers: Record<string, string>, body = '{"jsonrpc":"2.0","id":9,"method":"tools/list"}') =>
      fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
          ...headers,
        },
        body,
      });
    const other = await post({ authorization: `Bearer ${KEY_B}`, 'mcp-session-id': sid });
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({
      jsonrpc: '2.0',
      error: { code: -32000, data: { code: 'permission_denied' } },
    });
    const none = await post({ 'mcp-session-id': sid });
    expect(none.status).toBe(401);
    const body = await none.json();
    expect(body).toMatchObject({ jsonrpc: '2.0', id: null, error: { data: { code: 'missing_api_key' } } });
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts/);
    // The rightful key still works on the same session.
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });

  it('answers bad input with JSON-RPC errors', async () => {
    const raw = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${KEY_A}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body,
      });
    const bad = await raw('{"jsonrpc":');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    const noSession = await raw('{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
    expect(noSession.status).toBe(400);
    expect(await noSession.json()).toMatchObject({ error: { code: -32000 } });
    const gone = await raw('{"jsonrpc":"2.0","id":1,"method":"tools/list"}', { 'mcp-session-id': 'nope' });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ error: { code: -32001 } });
    const rebound = await raw('{"jsonrpc":"2.0","id":1,"method":"ping"}', {
      origin: 'http://evil.example.com',
    });
    expect(rebound.status).toBe(403);
  });
});
