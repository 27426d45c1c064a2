import { describe, expect, it } from 'vitest';
import { Catalogue } from './catalogue.js';

describe('Catalogue', () => {
  it('names tools and prompts <server>__<name> in config order and routes resources by who listed them', () => {
    const c = new Catalogue(['crm', 'files']);
    c.set('files', 'tools', [{ name: 'read', inputSchema: { type: 'object' } }]);
    c.set('crm', 'tools', [{ name: 'lookup', inputSchema: { type: 'object' } }]);
    c.set('crm', 'prompts', [{ name: 'brief' }]);
    c.set('crm', 'resources', [{ uri: 'crm://accounts', name: 'accounts' }]);
    c.set('files', 'templates', [{ uriTemplate: 'file:///{path}', name: 'file' }]);
    expect(c.tools().map((t) => t.entry.name)).toEqual(['crm__lookup', 'files__read']);
    expect(c.tool('files__read')).toMatchObject({
      entry: { server: 'files', upstreamName: 'read' },
      tool: { name: 'files__read' },
    });
    expect(c.prompt('crm__brief')?.upstreamName).toBe('brief');
    expect(c.resourceServer('crm://accounts')).toBe('crm');
    expect(c.resourceServer('file:///notes.txt')).toBe('files');
    expect(c.resourceServer('other://x')).toBeUndefined();
    c.clear('crm');
    expect(c.tool('crm__lookup')).toBeUndefined();
    // With one server left that lists resources, an unlisted URI goes to it.
    expect(c.resourceServer('other://x')).toBe('files');
  });
});
