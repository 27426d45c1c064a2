import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { mcpConfigSchema, mcpServerSchema } from '../../config/mcp.js';
import { openStages } from '../gate.js';
import { createPrepareSandbox } from '../sandbox/index.js';
import { createMcpGateway } from './index.js';

/** Without bubblewrap a local server that asks for the sandbox never runs, and says why. */
describe('a sandboxed stdio server on a host without bubblewrap', () => {
  const server = (enabled: boolean) =>
    mcpServerSchema.parse({
      id: 'local',
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      sandbox: { enabled },
      max_restarts: 0,
    });

  it('is refused (down, with the remedy in its last error) and its tools are unavailable', async () => {
    let prepared = 0;
    const prepare = createPrepareSandbox({ bwrapPath: null });
    const g = createMcpGateway({
      servers: [server(true)],
      config: mcpConfigSchema.parse({}),
      stages: openStages(),
      prepareSandbox: async (s) => {
        prepared++;
        return prepare(s);
      },
      logger: pino({ level: 'silent' }),
    });
    await g.start();
    const status = g.servers().find((s) => s.id === 'local');
    expect(prepared).toBe(1);
    expect(status?.state).toBe('down');
    expect(status?.lastError).toMatch(/bubblewrap/);
    expect(status?.lastError).toMatch(/sandbox\.enabled: false/);
    expect(g.catalogue()).toEqual([]);
    await g.close();
  });
});
