import { describe, expect, it } from 'vitest';
import { caller, keyPrincipal, mcpConfig, settle, tool, toolCall } from '../testkit.js';
import { McpRefusal } from '../types.js';
import { authorizeCall } from './authorize.js';
import { compileToolRules } from './rules.js';
import { serverAllowed, toolAllowed } from './scope.js';

describe('MCP scopes', () => {
  it('grants a server whole, single tools by name or glob, and nothing by default', () => {
    const servers = caller(keyPrincipal({ mcpServers: ['fs'] }));
    expect(toolAllowed(servers, tool('fs__read_file'))).toBe(true);
    expect(toolAllowed(servers, tool('crm__read_orders'))).toBe(false);
    expect(serverAllowed(servers, 'fs')).toBe(true);
    expect(serverAllowed(servers, 'crm')).toBe(false);

    const tools = caller(keyPrincipal({ mcpTools: ['crm__read_*', 'shell__ls'] }));
    expect(toolAllowed(tools, tool('crm__read_orders'))).toBe(true);
    expect(toolAllowed(tools, tool('crm__export_customers'))).toBe(false);
    expect(toolAllowed(tools, tool('shell__ls'))).toBe(true);
    expect(toolAllowed(tools, tool('shell__lsof'))).toBe(false);
    // Single tools do not grant their server's resources and prompts.
    expect(serverAllowed(tools, 'crm')).toBe(false);

    const none = caller(keyPrincipal({}));
    expect(toolAllowed(none, tool('fs__read_file'))).toBe(false);
    expect(serverAllowed(none, 'fs')).toBe(false);
  });

  it('leaves keel.yaml keys and calls without any key unrestricted', () => {
    const configKey = caller({ keyId: 'cfg', name: 'ops', scopes: null });
    const open = caller(null);
    for (const c of [configKey, open]) {
      expect(toolAllowed(c, tool('shell__exec'))).toBe(true);
      expect(serverAllowed(c, 'shell')).toBe(true);
    }
  });

  it('refuses a tool outside the scope at call time, with the tool named', async () => {
    const call = toolCall(caller(keyPrincipal({ mcpServers: ['fs'] })), 'crm__export_customers');
    const r = (await settle(() => authorizeCall(call, []))) as McpRefusal;
    expect(r).toBeInstanceOf(McpRefusal);
    expect(r.code).toBe('tool_not_allowed');
    expect(r.message).toContain('crm__export_customers');
  });
});

describe('mcp.tools argument constraints', () => {
  const rules = compileToolRules(
    mcpConfig({
      tools: {
        fs__read_file: {
          arguments: {
            type: 'object',
            required: ['path'],
            properties: { path: { type: 'string', pattern: '^/srv/reports/', not: { pattern: '\\.\\.' } } },
          },
        },
        'pay__*': { arguments: { properties: { amount: { type: 'number', maximum: 500 } } } },
        pay__refund: { arguments: { properties: { reason: { type: 'string', maxLength: 20 } } }, rpm: 5 },
      },
    }).tools,
  );
  const anyone = caller(null);

  it('applies every matching entry, exact or glob', () => {
    expect(rules('pay__refund').map((r) => r.pattern)).toEqual(['pay__*', 'pay__refund']);
    expect(rules('pay__charge').map((r) => r.pattern)).toEqual(['pay__*']);
    expect(rules('fs__write_file')).toEqual([]);
  });

  it('lets conforming arguments through', () => {
    authorizeCall(toolCall(anyone, 'fs__read_file', { path: '/srv/reports/q3.csv' }), rules('fs__read_file'));
    authorizeCall(toolCall(anyone, 'pay__refund', { amount: 500, reason: 'damaged' }), rules('pay__refund'));
  });

  it('refuses a violation naming the path and rule, never the value', async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['fs__read_file', { path: '/etc/shadow' }, '/path'],
      ['fs__read_file', { path: '/srv/reports/../../etc/shadow' }, '/path'],
      ['fs__read_file', {}, '/'],
      ['pay__charge', { amount: 500.01 }, '/amount'],
      ['pay__refund', { amount: 1, reason: 'x'.repeat(21) }, '/reason'],
    ];
    for (const [name, args, path] of cases) {
      const r = (await settle(() => authorizeCall(toolCall(anyone, name, args), rules(name)))) as McpRefusal;
      expect(r).toBeInstanceOf(McpRefusal);
      expect(r.code).toBe('invalid_request');
      expect(r.data).toMatchObject({ tool: name, path });
      expect(r.message).toContain(path);
      for (const v of Object.values(args)) expect(r.message).not.toContain(String(v));
    }
  });

  it('refuses a schema that does not compile at start-up, naming its entry', () => {
    expect(() =>
      compileToolRules(mcpConfig({ tools: { fs__x: { arguments: { type: 'no-such-type' } } } }).tools),
    ).toThrow(/mcp\.tools\["fs__x"\]\.arguments/);
  });
});
