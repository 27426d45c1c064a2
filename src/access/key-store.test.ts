import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KeelError } from '../errors.js';
import type { Database } from '../store/db.js';
import { STORES } from '../store/testkit.js';
import { createKeyStore } from './key-store.js';
import { hashKey } from './keys.js';
import { type MemoryAudit, memoryAudit } from './memory-audit.js';
import { ENDPOINTS, publicKey } from './model.js';
import { compileScopes } from './scopes.js';
import type { KeyStore } from './store.js';

const T0 = 1_800_000_000_000;

/** Every text value in the access tables, to prove a plaintext key is stored nowhere. */
async function allStoredText(database: Database): Promise<string> {
  const keys = await database.db.selectFrom('virtual_keys').selectAll().execute();
  const secrets = await database.db.selectFrom('key_secrets').selectAll().execute();
  return JSON.stringify([keys, secrets]);
}

async function rejects(p: Promise<unknown>, code: string, param?: string): Promise<KeelError> {
  const e = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KeelError);
  const k = e as KeelError;
  expect(k.code).toBe(code);
  if (param !== undefined) expect(k.param).toBe(param);
  return k;
}

describe.each(STORES)('key store on $name', (backend) => {
  let database: Database;
  let audit: MemoryAudit;
  let store: KeyStore;
  let clock = T0;

  beforeAll(async () => {
    database = await backend.open();
  });
  afterAll(async () => {
    await database?.close();
  });
  beforeEach(async () => {
    await database.db.deleteFrom('key_secrets').execute();
    await database.db.deleteFrom('virtual_keys').execute();
    clock = T0;
    audit = memoryAudit();
    store = createKeyStore(database, { audit, now: () => clock });
  });

  it('creates a key deny-by-default, stores only its hash and finds it by hash', async () => {
    const { key, secret } = await store.create({ name: 'support bot' }, 'admin:alice');
    expect(secret).toMatch(/^sk-keel-[0-9A-Za-z]{43}$/);
    expect(key).toMatchObject({
      name: 'support bot',
      prefix: secret.slice(0, 14),
      models: [],
      tools: [],
      mcpServers: [],
      mcpTools: [],
      useCases: [],
      endpoints: [...ENDPOINTS],
      allowedCidrs: [],
      team: null,
      rpm: null,
      budgetUsd: null,
      budgetPeriod: 'month',
      expiresAt: null,
      createdAt: T0,
      revokedAt: null,
      createdBy: 'admin:alice',
    });
    expect(key.id).toMatch(/^key_[0-9a-f]{16}$/);

    const stored = await allStoredText(database);
    expect(stored).not.toContain(secret);
    expect(stored).toContain(hashKey(secret));

    const found = await store.findByHash(hashKey(secret));
    expect(found?.key).toEqual(key);
    expect(found?.secretExpiresAt).toBeNull();
    expect(await store.get(key.id)).toEqual(key);

    expect(audit.entries).toHaveLength(1);
    const entry = audit.entries[0];
    expect(entry).toMatchObject({ actor: 'admin:alice', action: 'key.create', target: key.id });
    expect(entry?.details?.before).toBeNull();
    expect(entry?.details?.after).toMatchObject({ id: key.id, name: 'support bot', models: [] });
    const text = JSON.stringify(audit.entries);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(hashKey(secret));
  });

  it('round-trips every scope field', async () => {
    const { key } = await store.create(
      {
        name: 'full',
        models: ['gpt-4o*', 'claude-sonnet', 'gpt-4o*'],
        endpoints: ['chat', '/v1/embeddings' as 'embeddings'],
        useCases: ['support', 'search'],
        tools: ['lookup_order'],
        team: 'cx',
        maxTokens: 2048,
        rpm: 60,
        tpm: 100_000,
        budgetUsd: 12.5,
        budgetPeriod: 'day',
        expiresAt: T0 + 86_400_000,
        allowedCidrs: ['10.0.0.0/8', '2001:db8::/32', '192.168.1.7'],
      },
      'cli',
    );
    expect(key.models).toEqual(['gpt-4o*', 'claude-sonnet']); // deduplicated, order kept
    expect(key.endpoints).toEqual(['chat', 'embeddings']); // paths normalised to scope names
    const again = await store.get(key.id);
    expect(again).toEqual(key);
    expect(again).toMatchObject({
      useCases: ['support', 'search'],
      tools: ['lookup_order'],
      team: 'cx',
      maxTokens: 2048,
      rpm: 60,
      tpm: 100_000,
      budgetUsd: 12.5,
      budgetPeriod: 'day',
      expiresAt: T0 + 86_400_000,
      allowedCidrs: ['10.0.0.0/8', '2001:db8::/32', '192.168.1.7'],
    });
  });

  it('keeps MCP scopes through create, update and rotate, and compiles them', async () => {
    const { key } = await store.create(
      { name: 'agent', mcpServers: ['fs', 'fs', 'docs'], mcpTools: ['crm__read_*', 'shell__ls'] },
      'cli',
    );
    expect(key).toMatchObject({ mcpServers: ['fs', 'docs'], mcpTools: ['crm__read_*', 'shell__ls'] });
    const row = await database.db
      .selectFrom('virtual_keys')
      .select(['mcp_servers', 'mcp_tools'])
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.mcp_servers)).toEqual(['fs', 'docs']);
    expect(publicKey(key)).toMatchObject({
      mcp_servers: ['fs', 'docs'],
      mcp_tools: ['crm__read_*', 'shell__ls'],
    });

    clock += 1;
    const narrowed = await store.update(key.id, { mcpServers: [] }, 'admin:alice');
    expect(narrowed).toMatchObject({ mcpServers: [], mcpTools: ['crm__read_*', 'shell__ls'] });
    expect(audit.entries.at(-1)?.details?.before).toMatchObject({ mcp_servers: ['fs', 'docs'] });
    expect(audit.entries.at(-1)?.details?.after).toMatchObject({ mcp_servers: [] });
    const unchanged = audit.entries.length;
    await store.update(key.id, { mcpTools: ['crm__read_*', 'shell__ls'] }, 'admin:alice');
    expect(audit.entries).toHaveLength(unchanged); // same scopes: no change, no entry

    const { key: rotated, secret } = await store.rotate(key.id, 0, 'cli');
    expect(rotated.mcpTools).toEqual(['crm__read_*', 'shell__ls']);
    const found = await store.findByHash(hashKey(secret));
    const scopes = compileScopes(found!.key);
    expect(scopes.mcpTools('crm__read_orders')).toBe(true);
    expect(scopes.mcpTools('crm__write_orders')).toBe(false);
    expect(scopes.mcpServers('fs')).toBe(false);

    const all = compileScopes((await store.create({ name: 'ops', mcpServers: ['*'] }, 'cli')).key);
    expect(all.mcpServers('anything')).toBe(true);
    expect(all.mcpTools('anything__x')).toBe(false);
  });

  it('rejects invalid input naming the field, before anything is stored', async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(101) }, 'name'],
      [{ name: 'admin\u202Egnp.exe' }, 'name'], // right-to-left override
      [{ name: 'pay\u200Broll' }, 'name'], // zero-width space
      [{ name: 'line\nbreak' }, 'name'],
      [{ name: 'nul\u0000byte' }, 'name'],
      [{ name: 'nbsp\u00A0name' }, 'name'],
      [{ name: 'hangul\u3164filler' }, 'name'],
      [{ name: ' padded' }, 'name'],
      [{ name: 42 }, 'name'],
      [{ name: 'ok', models: 'gpt-4o' }, 'models'],
      [{ name: 'ok', models: ['gpt\u2066-4o'] }, 'models[0]'],
      [{ name: 'ok', endpoints: ['chat', 'files'] }, 'endpoints[1]'],
      [{ name: 'ok', allowedCidrs: ['10.0.0.0/33'] }, 'allowed_cidrs[0]'],
      [{ name: 'ok', allowedCidrs: ['not an ip'] }, 'allowed_cidrs[0]'],
      [{ name: 'ok', rpm: 0 }, 'rpm'],
      [{ name: 'ok', tpm: -5 }, 'tpm'],
      [{ name: 'ok', maxTokens: 1.5 }, 'max_tokens'],
      [{ name: 'ok', budgetUsd: -1 }, 'budget_usd'],
      [{ name: 'ok', budgetUsd: Number.POSITIVE_INFINITY }, 'budget_usd'],
      [{ name: 'ok', budgetPeriod: 'week' }, 'budget_period'],
      [{ name: 'ok', expiresAt: T0 - 1 }, 'expires_at'],
      [{ name: 'ok', expiresAt: T0 }, 'expires_at'],
      [{ name: 'ok', team: '' }, 'team'],
      [{ name: 'ok', mcpServers: ['CRM'] }, 'mcp_servers[0]'],
      [{ name: 'ok', mcpServers: ['crm__x'] }, 'mcp_servers[0]'],
      [{ name: 'ok', mcpServers: ['crm*'] }, 'mcp_servers[0]'],
      [{ name: 'ok', mcpTools: ['crm__read\u202E'] }, 'mcp_tools[0]'],
      [{ name: 'ok', mcpTools: 'crm__read' }, 'mcp_tools'],
    ];
    for (const [input, param] of bad)
      await rejects(store.create(input as never, 'cli'), 'invalid_request', param);
    expect(await store.list({ includeRevoked: true })).toEqual([]);
    expect(audit.entries).toEqual([]);
  });

  it('stores hostile names and SQL-ish values verbatim, harmlessly', async () => {
    const hostile = {
      name: "Robert'); DROP TABLE virtual_keys;--",
      team: `" OR 1=1; DELETE FROM key_secrets; --`,
      models: ["gpt-4o' OR '1'='1", '%', '_', '*'],
      tools: ['$(rm -rf /)', '\\x00'],
      useCases: ['名前 café ☕', "'; SELECT pg_sleep(10); --"],
    };
    const { key, secret } = await store.create(hostile, 'cli');
    clock += 1; // list() orders by creation time
    const other = await store.create({ name: 'bystander' }, 'cli');
    const back = await store.get(key.id);
    expect(back).toMatchObject(hostile);
    expect((await store.list()).map((k) => k.name)).toEqual([hostile.name, 'bystander']);
    expect((await store.findByHash(hashKey(secret)))?.key.id).toBe(key.id);
    expect((await store.findByHash(hashKey(other.secret)))?.key.id).toBe(other.key.id);
    const updated = await store.update(key.id, { name: "x' WHERE 1=1; --" }, 'cli');
    expect(updated.name).toBe("x' WHERE 1=1; --");
    expect((await store.get(other.key.id))?.name).toBe('bystander'); // the update touched one row
  });

  it('finds nothing for hostile or malformed hashes, and never errors', async () => {
    const { secret } = await store.create({ name: 'real' }, 'cli');
    const real = hashKey(secret);
    const hostile: unknown[] = [
      "' OR '1'='1",
      "' OR 1=1 --",
      `${real}' OR '1'='1`,
      `${real}--`,
      real.toUpperCase(),
      `${real.slice(0, 63)}'`,
      '%',
      '*',
      '',
      secret, // the plaintext itself is not its hash
      'a'.repeat(100_000),
      `${real}\u0000`,
      null,
      undefined,
      42,
      { hash: real },
      'f'.repeat(64), // well-formed, unknown
    ];
    for (const h of hostile) expect(await store.findByHash(h as string)).toBeUndefined();
    expect((await store.findByHash(real))?.key.name).toBe('real');
    const count = await sql<{ n: number | string }>`select count(*) as n from virtual_keys`.execute(
      database.db,
    );
    expect(Number(count.rows[0]?.n)).toBe(1);
  });

  it('updates fields, clears nullable ones, and audits before/after; a no-op is not audited', async () => {
    const { key, secret } = await store.create({ name: 'k', models: ['a'], rpm: 10, team: 't' }, 'cli');
    clock += 5000;
    const updated = await store.update(
      key.id,
      { models: ['a', 'b*'], rpm: null, team: null, tpm: 500 },
      'admin:bob',
    );
    expect(updated).toMatchObject({
      models: ['a', 'b*'],
      rpm: null,
      team: null,
      tpm: 500,
      updatedAt: T0 + 5000,
    });
    expect(updated.createdAt).toBe(T0);
    expect(updated.prefix).toBe(key.prefix);
    expect(await store.get(key.id)).toEqual(updated);
    expect((await store.findByHash(hashKey(secret)))?.key.models).toEqual(['a', 'b*']);

    const entry = audit.entries.at(-1);
    expect(entry).toMatchObject({ actor: 'admin:bob', action: 'key.update', target: key.id });
    expect(entry?.details?.before).toMatchObject({ models: ['a'], rpm: 10, team: 't' });
    expect(entry?.details?.after).toMatchObject({ models: ['a', 'b*'], rpm: null, team: null, tpm: 500 });
    expect(JSON.stringify(entry)).not.toContain(secret);

    const n = audit.entries.length;
    expect(await store.update(key.id, { models: ['a', 'b*'] }, 'cli')).toEqual(updated);
    expect(audit.entries).toHaveLength(n);

    await rejects(store.update(key.id, { rpm: -1 }, 'cli'), 'invalid_request', 'rpm');
    await rejects(store.update(key.id, { name: null as never }, 'cli'), 'invalid_request', 'name');
    await rejects(store.update('key_0000000000000000', { rpm: 1 }, 'cli'), 'not_found');
    await rejects(store.update("key_' OR 1=1 --", { rpm: 1 }, 'cli'), 'not_found');
  });

  it('rotates: the old value works until the grace period ends, the new one at once', async () => {
    const { key, secret: old } = await store.create({ name: 'rot' }, 'cli');
    clock += 1000;
    const { key: after, secret: fresh } = await store.rotate(key.id, 60, 'admin:alice');
    expect(fresh).not.toBe(old);
    expect(after.prefix).toBe(fresh.slice(0, 14));
    expect(after.id).toBe(key.id);

    expect((await store.findByHash(hashKey(fresh)))?.secretExpiresAt).toBeNull();
    const oldLookup = await store.findByHash(hashKey(old));
    expect(oldLookup?.key.id).toBe(key.id);
    expect(oldLookup?.secretExpiresAt).toBe(clock + 60_000);

    const entry = audit.entries.at(-1);
    expect(entry).toMatchObject({ actor: 'admin:alice', action: 'key.rotate', target: key.id });
    expect(entry?.details).toMatchObject({ grace_s: 60 });
    expect(entry?.details).toMatchObject({ before: { prefix: key.prefix }, after: { prefix: after.prefix } });
    const text = JSON.stringify(audit.entries);
    for (const s of [old, fresh, hashKey(old), hashKey(fresh)]) expect(text).not.toContain(s);

    // A second rotation with a longer grace must not extend the first value's life.
    clock += 10_000;
    const third = await store.rotate(key.id, 3600, 'cli');
    expect((await store.findByHash(hashKey(old)))?.secretExpiresAt).toBe(T0 + 1000 + 60_000);
    expect((await store.findByHash(hashKey(fresh)))?.secretExpiresAt).toBe(clock + 3_600_000);

    clock = T0 + 1000 + 60_000; // the first grace period ends
    expect(await store.findByHash(hashKey(old))).toBeUndefined();
    expect((await store.findByHash(hashKey(fresh)))?.key.id).toBe(key.id);
    expect((await store.findByHash(hashKey(third.secret)))?.key.id).toBe(key.id);

    // Grace 0: the previous value dies immediately.
    const fourth = await store.rotate(key.id, 0, 'cli');
    expect(await store.findByHash(hashKey(third.secret))).toBeUndefined();
    expect((await store.findByHash(hashKey(fourth.secret)))?.key.id).toBe(key.id);

    await rejects(store.rotate(key.id, -1, 'cli'), 'invalid_request', 'grace_s');
    await rejects(store.rotate('key_ffffffffffffffff', 10, 'cli'), 'not_found');
  });

  it('revokes at once; a revoked key is listed only on request and cannot be changed', async () => {
    const { key, secret } = await store.create({ name: 'gone' }, 'cli');
    const keep = await store.create({ name: 'kept' }, 'cli');
    clock += 10;
    const revoked = await store.revoke(key.id, 'admin:alice');
    expect(revoked.revokedAt).toBe(T0 + 10);
    // The lookup still finds the key so the gateway can say "revoked"; its revokedAt is set.
    expect((await store.findByHash(hashKey(secret)))?.key.revokedAt).toBe(T0 + 10);
    expect((await store.list()).map((k) => k.id)).toEqual([keep.key.id]);
    expect((await store.list({ includeRevoked: true })).map((k) => k.id).sort()).toEqual(
      [key.id, keep.key.id].sort(),
    );
    const entry = audit.entries.at(-1);
    expect(entry).toMatchObject({ actor: 'admin:alice', action: 'key.revoke', target: key.id });
    expect(entry?.details?.before).toMatchObject({ status: 'active', revoked_at: null });
    expect(entry?.details?.after).toMatchObject({ status: 'revoked' });

    const n = audit.entries.length;
    expect((await store.revoke(key.id, 'cli')).revokedAt).toBe(T0 + 10); // idempotent, first time kept
    expect(audit.entries).toHaveLength(n);
    await rejects(store.update(key.id, { rpm: 5 }, 'cli'), 'invalid_request', 'id');
    await rejects(store.rotate(key.id, 10, 'cli'), 'invalid_request', 'id');
    await rejects(store.revoke('nope', 'cli'), 'not_found');
  });

  it('keeps concurrent updates of one key consistent', async () => {
    const { key } = await store.create({ name: 'busy' }, 'cli');
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.update(key.id, { rpm: i + 1 }, 'cli')));
    const final = await store.get(key.id);
    expect(final?.rpm).toBeGreaterThanOrEqual(1);
    const updates = audit.entries.filter((e) => e.action === 'key.update');
    // Each audited update saw the state the previous one left: the chain of before/after is unbroken.
    const rpm = (e: (typeof updates)[number] | undefined, side: 'before' | 'after') =>
      (e?.details?.[side] as { rpm: number } | undefined)?.rpm;
    for (let i = 1; i < updates.length; i++)
      expect(rpm(updates[i], 'before')).toBe(rpm(updates[i - 1], 'after'));
    expect(rpm(updates.at(-1), 'after')).toBe(final?.rpm);
  });
});
