import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { AuditEntryInput, AuditedChange, AuditLog } from '../audit/types.js';
import { KeelError } from '../errors.js';
import type { Database } from '../store/db.js';
import type { KeelSchema, VirtualKeysTable } from '../store/schema.js';
import { generateKey, hashKey, newId, visiblePrefix } from './keys.js';
import { type BudgetPeriod, ENDPOINTS, type EndpointScope, publicKey, type VirtualKey } from './model.js';
import type { KeyLookup, KeyStore } from './store.js';
import { checkGraceSeconds, checkLabel, validateKeyFields } from './validate.js';

interface KeyStoreOptions {
  audit: AuditLog;
  now?: () => number;
}

const HASH = /^[0-9a-f]{64}$/;
const KEY_ID = /^key_[0-9a-f]{16}$/;

type Row = Selectable<VirtualKeysTable>;
type Db = Kysely<KeelSchema> | Transaction<KeelSchema>;

/**
 * Virtual keys in the SQL store (SQLite or Postgres). Deny by default: a key created without
 * `models`, `tools` or `mcp_servers`/`mcp_tools` may use none, without `endpoints` every inference
 * endpoint. Every mutation is audited with the key's public view before and after — never a secret
 * or its hash — in the mutation's own transaction, so no change is ever stored without its audit
 * entry.
 */
export function createKeyStore(database: Database, opts: KeyStoreOptions): KeyStore {
  const { db } = database;
  const now = opts.now ?? Date.now;
  const audit = opts.audit;
  const pg = database.dialect === 'postgres';

  async function load(q: Db, id: string, lock: boolean): Promise<VirtualKey> {
    if (!KEY_ID.test(id)) throw notFound();
    let query = q.selectFrom('virtual_keys').selectAll().where('id', '=', id);
    // SQLite serialises writers on its single connection; Postgres needs the row lock.
    if (lock && pg) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    if (!row) throw notFound();
    return rowToKey(row);
  }

  function entry(
    action: string,
    actor: string,
    before: VirtualKey | null,
    after: VirtualKey,
    extra = {},
  ): AuditEntryInput {
    return {
      actor,
      action,
      target: after.id,
      details: { before: before && publicKey(before), after: publicKey(after), ...extra },
    };
  }

  /**
   * A change to one key and its audit entry, committed together. The key's row lock (Postgres) or the
   * write lock (SQLite) orders changes to a key, and the entries are chained before the lock is
   * released, so the audited before/after states follow one another in the chain.
   */
  function change<T>(task: (trx: Kysely<KeelSchema>) => Promise<AuditedChange<T>>): Promise<T> {
    return audit.commit(database, task);
  }

  return {
    async create(input, actor) {
      const t = now();
      if (input === null || typeof input !== 'object')
        throw new KeelError('invalid_request', 'Expected key fields.');
      checkLabel(input.name, 'name');
      const v = validateKeyFields(input, t);
      const secret = generateKey();
      const key: VirtualKey = {
        id: newId('key'),
        name: v.name as string,
        prefix: visiblePrefix(secret),
        models: v.models ?? [],
        endpoints: v.endpoints ?? [...ENDPOINTS],
        useCases: v.useCases ?? [],
        tools: v.tools ?? [],
        mcpServers: v.mcpServers ?? [],
        mcpTools: v.mcpTools ?? [],
        team: v.team ?? null,
        maxTokens: v.maxTokens ?? null,
        rpm: v.rpm ?? null,
        tpm: v.tpm ?? null,
        budgetUsd: v.budgetUsd ?? null,
        budgetPeriod: v.budgetPeriod ?? 'month',
        expiresAt: v.expiresAt ?? null,
        allowedCidrs: v.allowedCidrs ?? [],
        createdAt: t,
        updatedAt: t,
        revokedAt: null,
        createdBy: actor,
      };
      await change(async (trx) => {
        await trx.insertInto('virtual_keys').values(keyToRow(key)).execute();
        await trx
          .insertInto('key_secrets')
          .values({ hash: hashKey(secret), key_id: key.id, created_at: t, expires_at: null })
          .execute();
        return { result: undefined, entries: [entry('key.create', actor, null, key)] };
      });
      return { key, secret };
    },

    async list(o = {}) {
      let q = db.selectFrom('virtual_keys').selectAll();
      if (!o.includeRevoked) q = q.where('revoked_at', 'is', null);
      const rows = await q.orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
      return rows.map(rowToKey);
    },

    async get(id) {
      if (typeof id !== 'string' || !KEY_ID.test(id)) return undefined;
      const row = await db.selectFrom('virtual_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? rowToKey(row) : undefined;
    },

    async update(id, patch, actor) {
      const t = now();
      if (patch === null || typeof patch !== 'object')
        throw new KeelError('invalid_request', 'Expected key fields.');
      const v = validateKeyFields(patch, t);
      return change(async (trx) => {
        const before = await load(trx, id, true);
        if (before.revokedAt !== null) throw revoked();
        const after: VirtualKey = { ...before, ...(v as Partial<VirtualKey>), updatedAt: t };
        if (!changed(before, after)) return { result: before, entries: [] };
        await trx.updateTable('virtual_keys').set(keyToRow(after)).where('id', '=', id).execute();
        return { result: after, entries: [entry('key.update', actor, before, after)] };
      });
    },

    async rotate(id, graceSeconds, actor) {
      const grace = checkGraceSeconds(graceSeconds);
      const t = now();
      const until = t + grace * 1000;
      const secret = generateKey();
      return change(async (trx) => {
        const before = await load(trx, id, true);
        if (before.revokedAt !== null) throw revoked();
        // Old values die at the end of the grace period, or earlier if an earlier rotation said so.
        await trx
          .updateTable('key_secrets')
          .set({ expires_at: until })
          .where('key_id', '=', id)
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', until)]))
          .execute();
        await trx
          .insertInto('key_secrets')
          .values({ hash: hashKey(secret), key_id: id, created_at: t, expires_at: null })
          .execute();
        const after: VirtualKey = { ...before, prefix: visiblePrefix(secret), updatedAt: t };
        await trx
          .updateTable('virtual_keys')
          .set({ prefix: after.prefix, updated_at: t })
          .where('id', '=', id)
          .execute();
        const audited = entry('key.rotate', actor, before, after, {
          grace_s: grace,
          previous_expires_at: new Date(until).toISOString(),
        });
        return { result: { key: after, secret }, entries: [audited] };
      });
    },

    async revoke(id, actor) {
      const t = now();
      return change(async (trx) => {
        const before = await load(trx, id, true);
        if (before.revokedAt !== null) return { result: before, entries: [] };
        const after: VirtualKey = { ...before, revokedAt: t, updatedAt: t };
        await trx
          .updateTable('virtual_keys')
          .set({ revoked_at: t, updated_at: t })
          .where('id', '=', id)
          .execute();
        return { result: after, entries: [entry('key.revoke', actor, before, after)] };
      });
    },

    async findByHash(hash): Promise<KeyLookup | undefined> {
      // Anything that is not a SHA-256 hex digest cannot match; it never reaches the database.
      if (typeof hash !== 'string' || !HASH.test(hash)) return undefined;
      const row = await db
        .selectFrom('key_secrets as s')
        .innerJoin('virtual_keys as k', 'k.id', 's.key_id')
        .selectAll('k')
        .select('s.expires_at as secret_expires_at')
        .where('s.hash', '=', hash)
        .executeTakeFirst();
      if (!row) return undefined;
      const secretExpiresAt = row.secret_expires_at === null ? null : Number(row.secret_expires_at);
      // A rotated-out value past its grace period is simply unknown, like a value never issued.
      if (secretExpiresAt !== null && secretExpiresAt <= now()) return undefined;
      return { key: rowToKey(row), secretExpiresAt };
    },
  };
}

function notFound(): KeelError {
  return new KeelError('not_found', 'No key with that id.', { param: 'id' });
}

function revoked(): KeelError {
  return new KeelError('invalid_request', 'This key is revoked; create a new key instead.', { param: 'id' });
}

const COMPARED: (keyof VirtualKey)[] = [
  'name',
  'models',
  'endpoints',
  'useCases',
  'tools',
  'mcpServers',
  'mcpTools',
  'team',
  'maxTokens',
  'rpm',
  'tpm',
  'budgetUsd',
  'budgetPeriod',
  'expiresAt',
  'allowedCidrs',
];

function changed(a: VirtualKey, b: VirtualKey): boolean {
  return COMPARED.some((f) => JSON.stringify(a[f]) !== JSON.stringify(b[f]));
}

function keyToRow(k: VirtualKey): Insertable<VirtualKeysTable> {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    models: JSON.stringify(k.models),
    endpoints: JSON.stringify(k.endpoints),
    use_cases: JSON.stringify(k.useCases),
    tools: JSON.stringify(k.tools),
    mcp_servers: JSON.stringify(k.mcpServers),
    mcp_tools: JSON.stringify(k.mcpTools),
    allowed_cidrs: JSON.stringify(k.allowedCidrs),
    team: k.team,
    max_tokens: k.maxTokens,
    rpm: k.rpm,
    tpm: k.tpm,
    budget_usd: k.budgetUsd,
    budget_period: k.budgetPeriod,
    expires_at: k.expiresAt,
    created_at: k.createdAt,
    updated_at: k.updatedAt,
    revoked_at: k.revokedAt,
    created_by: k.createdBy,
  };
}

function strings(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    // A damaged scope list grants nothing rather than failing every request for the key.
    return [];
  }
}

const num = (v: number | string | bigint | null): number | null => (v === null ? null : Number(v));

function rowToKey(r: Row): VirtualKey {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    models: strings(r.models),
    endpoints: strings(r.endpoints).filter((e): e is EndpointScope =>
      (ENDPOINTS as readonly string[]).includes(e),
    ),
    useCases: strings(r.use_cases),
    tools: strings(r.tools),
    mcpServers: strings(r.mcp_servers),
    mcpTools: strings(r.mcp_tools),
    team: r.team,
    maxTokens: num(r.max_tokens),
    rpm: num(r.rpm),
    tpm: num(r.tpm),
    budgetUsd: num(r.budget_usd),
    budgetPeriod: r.budget_period as BudgetPeriod,
    expiresAt: num(r.expires_at),
    allowedCidrs: strings(r.allowed_cidrs),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    revokedAt: num(r.revoked_at),
    createdBy: r.created_by,
  };
}
