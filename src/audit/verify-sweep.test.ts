import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../store/db.js';
import { GENESIS_HASH } from './chain.js';
import {
  allRows,
  clearAudit,
  deleteRow,
  forgedRow,
  insertRow,
  renumber,
  rowAt,
  SIGNING_KEY,
  seedAudit,
  setRow,
  verifyModes,
} from './testkit.js';
import { verifyAudit } from './verify.js';

// Every kind of tampering at every position of a short chain, so no offset (first entry, page
// boundary, checkpoint, worker seam, last entry) escapes the verifier's naming.
describe.each(verifyModes())('verifyAudit names every position on $name', ({ store, extra }) => {
  let database: Database;
  let snapshot: Awaited<ReturnType<typeof allRows>>;
  const M = 12;

  beforeAll(async () => {
    database = await store.open();
    await clearAudit(database);
    await seedAudit(database, M, { checkpointEvery: 5, signingKey: SIGNING_KEY });
    snapshot = await allRows(database);
  });
  afterAll(async () => {
    await database?.close();
  });

  async function restore(): Promise<void> {
    await database.db.deleteFrom('audit_log').execute();
    await database.db.insertInto('audit_log').values(snapshot).execute();
  }

  const cases: Array<{
    name: string;
    kind: string;
    tamper: (k: number) => Promise<void>;
    /** What the last entry's case is reported as, when it differs. */
    last?: string;
    positions?: number;
  }> = [
    {
      name: 'altered',
      kind: 'altered',
      tamper: async (k) =>
        setRow(database, k, { details: (await rowAt(database, k)).details.replace('reason', 'reasom') }),
    },
    { name: 'deleted (gap)', kind: 'deleted', last: 'truncated', tamper: (k) => deleteRow(database, k) },
    {
      name: 'deleted (renumbered)',
      kind: 'deleted',
      last: 'truncated',
      tamper: async (k) => {
        await deleteRow(database, k);
        await renumber(database, k + 1, -1);
      },
    },
    {
      name: 'swapped with the next',
      kind: 'reordered',
      // Swapping the last entry with "the next" is not possible.
      positions: M - 1,
      tamper: async (k) => {
        const { seq: _a, ...aRest } = await rowAt(database, k);
        const { seq: _b, ...bRest } = await rowAt(database, k + 1);
        await setRow(database, k, bRest);
        await setRow(database, k + 1, aRest);
      },
    },
    {
      name: 'inserted (garbage, renumbered)',
      kind: 'inserted',
      tamper: async (k) => {
        const prev = k > 1 ? (await rowAt(database, k - 1)).hash : GENESIS_HASH;
        await renumber(database, k, 1);
        await insertRow(database, forgedRow(k, prev, { hash: '1'.repeat(64) }));
      },
    },
    {
      name: 'inserted (valid hash, renumbered)',
      kind: 'inserted',
      tamper: async (k) => {
        const prev = k > 1 ? (await rowAt(database, k - 1)).hash : GENESIS_HASH;
        await renumber(database, k, 1);
        await insertRow(database, forgedRow(k, prev));
      },
    },
  ];

  for (const c of cases)
    it(`${c.name}: names the entry at every position`, async () => {
      const got: string[] = [];
      const want: string[] = [];
      for (let k = 1; k <= (c.positions ?? M); k++) {
        await restore();
        await c.tamper(k);
        const r = await verifyAudit(database, { ...extra, signingKey: SIGNING_KEY, pageSize: 4 });
        const p = r.problems[0];
        got.push(`${k}:${p?.kind}@${p?.seq}`);
        // Deleting the newest entry leaves an intact chain: only its checkpoint (taken on close) tells.
        const kind = k === M ? (c.last ?? c.kind) : c.kind;
        want.push(`${k}:${kind}@${k}`);
      }
      expect(got).toEqual(want);
    });
});
