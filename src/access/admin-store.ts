import type { Selectable } from 'kysely';
import type { AuditLog } from '../audit/types.js';
import { KeelError } from '../errors.js';
import type { Database } from '../store/db.js';
import type { AdminUsersTable } from '../store/schema.js';
import {
  ADMIN_ROLES,
  type AdminRole,
  type AdminStore,
  type AdminUser,
  BOOTSTRAP_NAME,
  isAdminRole,
  publicAdmin,
} from './admin.js';
import { generateAdminToken, hashKey, newId } from './keys.js';
import { invalid } from './validate.js';

interface AdminStoreOptions {
  audit: AuditLog;
  now?: () => number;
}

/** Admin names become audit actors (`admin:<name>`), so they are plain identifiers. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
const HASH = /^[0-9a-f]{64}$/;
const ADMIN_ID = /^adm_[0-9a-f]{16}$/;

export function createAdminStore(database: Database, opts: AdminStoreOptions): AdminStore {
  const { db } = database;
  const now = opts.now ?? Date.now;
  const audit = opts.audit;

  async function nameTaken(name: string): Promise<boolean> {
    const row = await db.selectFrom('admin_users').select('id').where('name', '=', name).executeTakeFirst();
    return row !== undefined;
  }

  async function get(id: string): Promise<AdminUser | undefined> {
    if (typeof id !== 'string' || !ADMIN_ID.test(id)) return undefined;
    const row = await db.selectFrom('admin_users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToAdmin(row) : undefined;
  }

  return {
    async create(input, actor) {
      const name: unknown = input?.name;
      const role: unknown = input?.role;
      if (typeof name !== 'string' || !NAME.test(name))
        throw invalid(
          'name',
          'name must be 1 to 64 letters, digits, "_", ".", "@" or "-", starting with a letter or digit.',
        );
      if (name.toLowerCase() === BOOTSTRAP_NAME)
        throw invalid('name', `"${BOOTSTRAP_NAME}" is reserved for KEEL_ADMIN_TOKEN.`);
      if (!isAdminRole(role)) throw invalid('role', `role must be one of ${ADMIN_ROLES.join(', ')}.`);
      if (await nameTaken(name)) throw duplicate();
      const token = generateAdminToken();
      const admin: AdminUser = {
        id: newId('adm'),
        name,
        role,
        createdAt: now(),
        revokedAt: null,
        createdBy: actor,
      };
      try {
        await audit.commit(database, async (trx) => {
          await trx
            .insertInto('admin_users')
            .values({
              id: admin.id,
              name,
              role,
              token_hash: hashKey(token),
              created_at: admin.createdAt,
              revoked_at: null,
              created_by: actor,
            })
            .execute();
          const entry = {
            actor,
            action: 'admin.create',
            target: admin.id,
            details: { before: null, after: publicAdmin(admin) },
          };
          return { result: undefined, entries: [entry] };
        });
      } catch (e) {
        // Lost a race with a concurrent create of the same name: the unique index said no.
        if (await nameTaken(name)) throw duplicate();
        throw e;
      }
      return { admin, token };
    },

    async list(o = {}) {
      let q = db.selectFrom('admin_users').selectAll();
      if (!o.includeRevoked) q = q.where('revoked_at', 'is', null);
      const rows = await q.orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
      return rows.map(rowToAdmin);
    },

    get,

    async revoke(id, actor) {
      const before = await get(id);
      if (!before) throw new KeelError('not_found', 'No admin user with that id.', { param: 'id' });
      if (before.revokedAt !== null) return before;
      const t = now();
      const after: AdminUser = { ...before, revokedAt: t };
      await audit.commit(database, async (trx) => {
        // The revoked_at guard makes a concurrent double revoke write (and audit) once.
        const res = await trx
          .updateTable('admin_users')
          .set({ revoked_at: t })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 0) return { result: undefined, entries: [] };
        const entry = {
          actor,
          action: 'admin.revoke',
          target: id,
          details: { before: publicAdmin(before), after: publicAdmin(after) },
        };
        return { result: undefined, entries: [entry] };
      });
      return after;
    },

    async findByHash(hash) {
      if (typeof hash !== 'string' || !HASH.test(hash)) return undefined;
      const row = await db
        .selectFrom('admin_users')
        .selectAll()
        .where('token_hash', '=', hash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return row ? rowToAdmin(row) : undefined;
    },

    async hasActive() {
      const row = await db
        .selectFrom('admin_users')
        .select('id')
        .where('revoked_at', 'is', null)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

function duplicate(): KeelError {
  // Names stay unique for life, so old audit entries keep pointing at one person.
  return invalid('name', 'An admin user with that name exists (or existed); choose another name.');
}

function rowToAdmin(r: Selectable<AdminUsersTable>): AdminUser {
  return {
    id: r.id,
    name: r.name,
    // A role edited by hand into something unknown grants the least.
    role: isAdminRole(r.role) ? r.role : ('viewer' satisfies AdminRole),
    createdAt: Number(r.created_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    createdBy: r.created_by,
  };
}
