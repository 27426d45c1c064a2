import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from './db.js';
import { createResponseStore, type ResponseStore, type StoredResponse } from './responses.js';
import { SQLITE, STORES } from './testkit.js';

const T0 = 1_800_000_000_000;
const DAY = 86_400_000;

function stored(id: string, keyId: string | null, createdAt = T0): StoredResponse {
  return {
    id,
    keyId,
    createdAt,
    expiresAt: createdAt + DAY,
    context: [{ role: 'user', content: 'before' }],
    input: [{ type: 'message', role: 'user', content: 'héllo ✓' }],
    response: { id, object: 'response', output: [{ type: 'message', content: [] }] },
  };
}

describe.each(STORES)('response store on $name', (backend) => {
  let clock = T0;
  let database: Database;
  let store: ResponseStore;
  // One store per suite, emptied and given a fresh clock before each case.
  beforeAll(async () => {
    database = await backend.open();
  });
  afterAll(() => database?.close());
  beforeEach(async () => {
    clock = T0;
    store = createResponseStore(database, { now: () => clock });
    await database.db.deleteFrom('responses').execute();
  });

  it('keeps a response for the key that made it, and for no other', async () => {
    await store.save(stored('resp_a', 'key_1'));
    expect(await store.get('resp_a', 'key_1')).toEqual(stored('resp_a', 'key_1'));
    expect(await store.get('resp_a', 'key_2')).toBeNull();
    expect(await store.get('resp_a', null)).toBeNull();
    expect(await store.delete('resp_a', 'key_2')).toBe(false);
    expect(await store.get('resp_a', 'key_1')).not.toBeNull();
  });

  it('keeps responses made with auth off apart from every key', async () => {
    await store.save(stored('resp_open', null));
    expect(await store.get('resp_open', null)).not.toBeNull();
    expect(await store.get('resp_open', 'key_1')).toBeNull();
  });

  it('deletes once', async () => {
    await store.save(stored('resp_d', 'key_1'));
    expect(await store.delete('resp_d', 'key_1')).toBe(true);
    expect(await store.delete('resp_d', 'key_1')).toBe(false);
    expect(await store.get('resp_d', 'key_1')).toBeNull();
  });

  it('hides an expired response at once and purges its row on a later write', async () => {
    await store.save(stored('resp_old', 'key_1'));
    clock = T0 + DAY;
    expect(await store.get('resp_old', 'key_1')).toBeNull();
    expect(await store.delete('resp_old', 'key_1')).toBe(false);
    // The first save purged at T0; a minute later the next one purges again.
    clock = T0 + DAY + 60_000;
    await store.save(stored('resp_new', 'key_1', clock));
    const ids = (await database.db.selectFrom('responses').select('id').execute()).map((r) => r.id);
    expect(ids).toEqual(['resp_new']);
  });
});

describe('response store on a SQLite file another connection is writing', () => {
  let database: Database;
  let other: BetterSqlite3.Database;

  beforeAll(async () => {
    const url = await SQLITE.fresh();
    database = await openDatabase(url);
    other = new BetterSqlite3(url.slice('sqlite:'.length));
  });
  afterAll(async () => {
    other?.close();
    await database?.close();
  });

  it('waits for the lock on timers, never in SQLite on the event loop', async () => {
    const store = createResponseStore(database);
    other.exec('begin immediate');
    const t0 = performance.now();
    const saving = store.save(stored('resp_busy', 'key_1', Date.now()));
    // The first attempt met the lock and gave up at once (a busy handler would sleep here ≥100 ms).
    expect(performance.now() - t0).toBeLessThan(50);
    await new Promise((r) => setTimeout(r, 30));
    other.exec('commit');
    await saving;
    expect(await store.get('resp_busy', 'key_1')).not.toBeNull();
  });

  it('gives up with the lock still held after its bounded retries', async () => {
    const store = createResponseStore(database);
    other.exec('begin immediate');
    try {
      await expect(store.save(stored('resp_stuck', 'key_1', Date.now()))).rejects.toMatchObject({
        code: 'SQLITE_BUSY',
      });
    } finally {
      other.exec('commit');
    }
  });
});
