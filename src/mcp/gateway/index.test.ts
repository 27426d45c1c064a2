import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { mcpConfigSchema } from '../../config/mcp.js';
import { openStages } from '../gate.js';
import { createMcpGateway } from './index.js';

const caller = { principal: null, useCase: null, team: null, clientIp: null };

function gateway(config: Record<string, unknown>) {
  return createMcpGateway({
    servers: [],
    config: mcpConfigSchema.parse(config),
    stages: openStages(),
    prepareSandbox: async () => {
      throw new Error('no local servers here');
    },
    logger: pino({ level: 'silent' }),
  });
}

describe('MCP sessions', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refuses a session past mcp.max_sessions and makes room when one closes', async () => {
    const g = gateway({ max_sessions: 1 });
    const first = g.open(caller);
    expect(first).not.toBeNull();
    expect(g.open(caller)).toBeNull();
    first?.close();
    expect(g.sessionCount()).toBe(0);
    expect(g.open(caller)).not.toBeNull();
    await g.close();
  });

  it('closes sessions idle for mcp.session_idle, and only those', async () => {
    vi.useFakeTimers();
    const g = gateway({ session_idle: '10s' });
    await g.start();
    const idle = g.open(caller);
    const busy = g.open(caller);
    vi.advanceTimersByTime(6000);
    if (busy) busy.lastSeen = Date.now();
    // The sweep runs every quarter of session_idle: by 13 s the first is 10 s idle, the second 7 s.
    vi.advanceTimersByTime(7000);
    expect(idle && g.session(idle.id)).toBeUndefined();
    expect(busy && g.session(busy.id)).toBe(busy);
    await g.close();
  });

  it('puts mcp.replica (KEEL_MCP_REPLICA over keel.yaml) in front of its session ids', async () => {
    const g = gateway({ replica: 'k2' });
    expect(g.open(caller)?.id).toMatch(/^k2\.[0-9a-f-]{36}$/);
    expect(gateway({}).open(caller)?.id).toMatch(/^[0-9a-f-]{36}$/);
    await g.close();
    expect(parseConfig({ mcp: { replica: 'from-yaml' } }, { KEEL_MCP_REPLICA: 'k3' }).mcp.replica).toBe('k3');
    expect(() => parseConfig({}, { KEEL_MCP_REPLICA: 'k1.evil' })).toThrow(/KEEL_MCP_REPLICA/);
    expect(() => parseConfig({ mcp: { replica: 'a b' } }, {})).toThrow(/mcp\.replica/);
  });
});
