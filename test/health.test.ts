import { describe, expect, it } from 'vitest';
import type { FakeUpstream } from './fakes/index.js';
import { standardConfig } from './helpers/fixtures.js';
import { setupGateway } from './helpers/gateway.js';
import { type StartedKeel, startKeel } from './helpers/keel.js';

let oai: FakeUpstream;
let ant: FakeUpstream;
let keel: StartedKeel;

setupGateway(
  (up) => standardConfig(up),
  (g) => {
    ({ oai, ant, keel } = g);
  },
);

describe('health', () => {
  it('/healthz answers 200 with a request id', async () => {
    const res = await fetch(`${keel.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-keel-request-id')).toBeTruthy();
    await res.body?.cancel();
  });

  it('/readyz answers 200 when the store is reachable', async () => {
    const res = await fetch(`${keel.url}/readyz`);
    expect(res.status).toBe(200);
    await res.body?.cancel();
  });

  it('every response carries its own x-keel-request-id, errors included', async () => {
    const ids = new Set<string>();
    for (const path of ['/healthz', '/readyz', '/v1/models', '/v1/nope', '/nowhere']) {
      const res = await fetch(keel.url + path);
      await res.body?.cancel();
      const id = res.headers.get('x-keel-request-id');
      expect(id, path).toBeTruthy();
      ids.add(id ?? '');
    }
    expect(ids.size).toBe(5);
  });

  it('/readyz answers 503 once the store is gone, while /healthz stays 200', async () => {
    const own = await startKeel(standardConfig({ openai: oai, anthropic: ant }));
    try {
      await own.app.services.database.close();
      const ready = await fetch(`${own.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get('x-keel-request-id')).toBeTruthy();
      await ready.body?.cancel();
      const alive = await fetch(`${own.url}/healthz`);
      expect(alive.status).toBe(200);
      await alive.body?.cancel();
    } finally {
      await own.close().catch(() => undefined);
    }
  });
});
