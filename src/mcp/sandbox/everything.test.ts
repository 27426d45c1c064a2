import { resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { prepareSandbox } from './index.js';
import { bwrapMissing, localServer } from './testkit.js';

/** node_modules may be a symlink (a worktree's points at the main checkout): grants follow it. */
const nodeModules = resolve(import.meta.dirname, '../../../node_modules');

describe.skipIf(bwrapMissing)(
  `a published MCP server in the sandbox${bwrapMissing ? ` (${bwrapMissing})` : ''}`,
  () => {
    it('runs server-everything over stdio: initialize, tools/list and a call answer', async () => {
      const server = localServer({
        id: 'everything',
        command: 'node',
        args: [`${nodeModules}/@modelcontextprotocol/server-everything/dist/index.js`, 'stdio'],
        sandbox: { read_only: [nodeModules] },
      });
      const spec = await prepareSandbox(server);
      const transport = new StdioClientTransport({ ...spec, stderr: 'pipe' });
      const client = new Client({ name: 'keel-sandbox-test', version: '1.0.0' });
      try {
        await client.connect(transport);
        expect(client.getServerVersion()?.name).toMatch(/everything/i);
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).toContain('echo');
        const echoed = await client.callTool({ name: 'echo', arguments: { message: 'from the sandbox' } });
        expect(JSON.stringify(echoed.content)).toContain('from the sandbox');
      } finally {
        await client.close();
        await spec.close();
      }
    });
  },
);
