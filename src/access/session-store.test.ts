import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../store/db.js';
import { connectTo, SHARED_STORES, STORES } from '../store/testkit.js';
import { type MemoryAudit, memoryAudit } from './memory-audit.js';
import { createSessionStore, csrfTokenOf, type SessionStore } from './session-store.js';

const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;
const ALICE = {
  subject: 'u-123',
  issuer: 'https://idp.example',
  name: 'alice@example.com',
  role: 'operator' as const,
};

describe.each(STORES)('session store on $name', (backend) => {
  let database: Database;
  let clock = T0;
  beforeAll(async () => {
    database = await backend.open();
  });
  afterAll(() => database?.close());

  /** A store over emptied tables, its clock at T0, recording its audit entries in memory. */
  async function fresh(): Promise<{ store: SessionStore; audit: MemoryAudit }> {
    for (const table of ['admin_sessions', 'sso_logins'] as const)
      await database.db.deleteFrom(table).execute();
    clock = T0;
    const audit = memoryAudit();
    return { store: createSessionStore(database, { audit, now: () => clock }), audit };
  }

  it('starts a session found by its id until it expires, storing only a hash of the id', async () => {
    const { store } = await fresh();
    const { id, expiresAt } = await store.create(ALICE, HOUR, { groups: ['ops'] });
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(expiresAt).toBe(T0 + HOUR);
    expect(await store.find(id)).toEqual({ ...ALICE, createdAt: T0, expiresAt: T0 + HOUR });
    const stored = JSON.stringify(await database.db.selectFrom('admin_sessions').selectAll().execute());
    expect(stored).not.toContain(id);

    clock = T0 + HOUR - 1;
    expect(await store.find(id)).toBeDefined();
    clock = T0 + HOUR;
    expect(await store.find(id)).toBeUndefined();
  });

  it('chains the sign-in with the session, and the sign-out once', async () => {
    const { store, audit } = await fresh();
    const { id } = await store.create(ALICE, HOUR, { groups: ['ops'], matched_groups: ['ops'] });
    expect(audit.entries).toEqual([
      {
        actor: 'sso:alice@example.com',
        action: 'sso.signin',
        target: 'u-123',
        details: {
          groups: ['ops'],
          matched_groups: ['ops'],
          role: 'operator',
          expires_at: new Date(T0 + HOUR).toISOString(),
        },
      },
    ]);
    const [first, second] = await Promise.all([store.end(id, { ip: '1' }), store.end(id, { ip: '1' })]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect(await store.find(id)).toBeUndefined();
    expect(audit.entries.map((e) => e.action)).toEqual(['sso.signin', 'sso.signout']);
    expect(audit.entries[1]).toMatchObject({ actor: 'sso:alice@example.com', target: 'u-123' });
  });

  it('finds nothing for ids it never issued, malformed or not', async () => {
    const { store } = await fresh();
    await store.create(ALICE, HOUR, {});
    for (const id of ['', 'x', 'a'.repeat(43), `${'a'.repeat(42)}!`, 'a'.repeat(10_000)])
      expect(await store.find(id)).toBeUndefined();
    expect(await store.end('a'.repeat(43), {})).toBe(false);
  });

  it('hands a sign-in under way back once, and not after it expired', async () => {
    const { store } = await fresh();
    const login = { state: 's1', nonce: 'n1', codeVerifier: 'v1' };
    const id = await store.beginLogin(login, 600_000);
    const taken = await Promise.all([store.takeLogin(id), store.takeLogin(id)]);
    expect(taken.filter(Boolean)).toEqual([login]);

    const late = await store.beginLogin(login, 600_000);
    expect(await store.pendingLogins()).toBe(1);
    clock += 600_000;
    expect(await store.pendingLogins()).toBe(0);
    expect(await store.takeLogin(late)).toBeUndefined();
  });

  it('purges what expired and keeps what did not', async () => {
    const { store } = await fresh();
    const old = await store.create(ALICE, HOUR, {});
    await store.beginLogin({ state: 's', nonce: 'n', codeVerifier: 'v' }, 1000);
    clock = T0 + HOUR / 2;
    const young = await store.create(ALICE, HOUR, {});
    clock = T0 + HOUR;
    await store.purgeExpired();
    expect(await database.db.selectFrom('sso_logins').selectAll().execute()).toHaveLength(0);
    expect(await database.db.selectFrom('admin_sessions').selectAll().execute()).toHaveLength(1);
    expect(await store.find(young.id)).toBeDefined();
    expect(await store.find(old.id)).toBeUndefined();
  });
});

describe.each(SHARED_STORES)('sessions across replicas on $name', (backend) => {
  it('are honoured and ended by any replica on the store', async () => {
    const connect = await connectTo(backend);
    const [one, two] = await Promise.all([connect(), connect()]);
    try {
      const audit = memoryAudit();
      const a = createSessionStore(one, { audit });
      const b = createSessionStore(two, { audit });
      const { id } = await a.create(ALICE, HOUR, {});
      expect((await b.find(id))?.role).toBe('operator');
      const login = await b.beginLogin({ state: 's', nonce: 'n', codeVerifier: 'v' }, 600_000);
      expect(await a.takeLogin(login)).toEqual({ state: 's', nonce: 'n', codeVerifier: 'v' });
      expect(await b.end(id, {})).toBe(true);
      expect(await a.find(id)).toBeUndefined();
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describe('CSRF token of a session', () => {
  it('is stable per session and differs between sessions', () => {
    const a = 'a'.repeat(43);
    const b = 'b'.repeat(43);
    expect(csrfTokenOf(a)).toBe(csrfTokenOf(a));
    expect(csrfTokenOf(a)).not.toBe(csrfTokenOf(b));
    expect(csrfTokenOf(a)).not.toContain(a);
  });
});
