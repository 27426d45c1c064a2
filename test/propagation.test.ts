import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryAudit } from '../src/access/memory-audit.js';
import type { KeelApp } from '../src/app.types.js';
import { buildKeel } from '../src/build.js';
import { parseConfig } from '../src/config/load.js';
import { openDatabase } from '../src/store/db.js';
import { SHARED_STORES } from '../src/store/testkit.js';
import { createUseCaseRegistry } from '../src/value/usecases/registry.js';

/**
 * Two running Keels on one store: a change made on one (or by another process) holds on the other
 * within 2 s. The key cache is set far longer than that, so only change propagation can explain it.
 */
const LIMIT_MS = 2000;

function build(url: string): Promise<KeelApp> {
  const config = parseConfig(
    {
      database: { url },
      logging: { level: 'silent' },
      access: { key_cache_ms: 600_000 },
      cluster: { poll_ms: 500 },
    },
    {},
  );
  return buildKeel(config, { logger: pino({ level: 'silent' }) });
}

/** Milliseconds until `check` holds, polling every 20 ms; fails after `limit`. */
async function timeUntil(check: () => Promise<boolean> | boolean, limit = LIMIT_MS): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (await check()) return performance.now() - t0;
    if (performance.now() - t0 > limit) throw new Error(`not within ${limit} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Stores two processes share (PGlite is in-process only).
describe.each(SHARED_STORES)('change propagation over $name', (store) => {
  let url: string;
  let a: KeelApp;
  let b: KeelApp;
  beforeAll(async () => {
    url = await store.fresh();
    a = await build(url);
    b = await build(url);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  const models = (app: KeelApp, key: string) =>
    app.request('/v1/models', { headers: { authorization: `Bearer ${key}` } }).then(async (r) => {
      await r.body?.cancel();
      return r.status;
    });

  it('a key revoked on one replica is refused by the other within 2 s', async () => {
    const { key, secret } = await a.services.keys.create({ name: `k-${Date.now()}` }, 'admin:test');
    expect(await models(b, secret)).toBe(200); // now cached on B for key_cache_ms
    await a.services.keys.revoke(key.id, 'admin:test');
    const ms = await timeUntil(async () => (await models(b, secret)) === 401);
    console.info(`key revocation propagated in ${ms.toFixed(0)} ms (${store.name})`);
    expect(ms).toBeLessThan(LIMIT_MS);
  });

  it('a scope change on one replica holds on the other within 2 s', async () => {
    const { key, secret } = await a.services.keys.create({ name: `s-${Date.now()}` }, 'admin:test');
    expect(await models(b, secret)).toBe(200);
    await a.services.keys.update(key.id, { endpoints: ['chat'] }, 'admin:test');
    const ms = await timeUntil(async () => (await models(b, secret)) === 403);
    expect(ms).toBeLessThan(LIMIT_MS);
  });

  it('a use case registered by another connection (as `keel demo` does) is listed within 2 s', async () => {
    const id = `uc-${Date.now()}`;
    const other = await openDatabase(url);
    try {
      const registry = createUseCaseRegistry(other, { audit: memoryAudit() });
      expect(b.services.value.useCases.cached(id)).toBeUndefined();
      await registry.create(id, { name: 'Propagated' }, 'admin:cli');
      const ms = await timeUntil(() => b.services.value.useCases.cached(id) !== undefined);
      console.info(`use-case registration propagated in ${ms.toFixed(0)} ms (${store.name})`);
      expect(b.services.value.useCases.cached(id)?.name).toBe('Propagated');
      expect(a.services.value.useCases.cached(id)?.name).toBe('Propagated');
    } finally {
      await other.close();
    }
  });
});
