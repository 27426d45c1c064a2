import { describe, expect, it } from 'vitest';
import { hostRefusal } from './hosts.js';

const check = (headers: Record<string, string>, loopback: boolean, allowedHosts: string[] = []) =>
  hostRefusal(new Headers(headers), { loopback, allowedHosts });

describe('/mcp Host and Origin checks', () => {
  it('on loopback, accepts only loopback names (DNS rebinding)', () => {
    expect(check({ host: '127.0.0.1:4000' }, true)).toBeNull();
    expect(check({ host: 'localhost:4000', origin: 'http://localhost:4000' }, true)).toBeNull();
    expect(check({ host: '[::1]:4000' }, true)).toBeNull();
    expect(check({ host: 'evil.example.com' }, true)).toMatch(/Host/);
    expect(check({ host: '127.0.0.1:4000', origin: 'http://evil.example.com' }, true)).toMatch(/Origin/);
  });

  it('beyond loopback, accepts any Host unless allowed_hosts names them, and an Origin of that host', () => {
    expect(check({ host: 'keel.internal' }, false)).toBeNull();
    expect(check({ host: 'keel.internal', origin: 'https://keel.internal' }, false)).toBeNull();
    expect(check({ host: 'keel.internal', origin: 'https://evil.example.com' }, false)).toMatch(/Origin/);
    expect(check({ host: 'other.internal' }, false, ['keel.internal'])).toMatch(/Host/);
    expect(check({ host: 'keel.internal' }, false, ['keel.internal'])).toBeNull();
    expect(check({ host: 'keel.internal', origin: 'not a url' }, false)).toMatch(/Origin/);
  });
});
