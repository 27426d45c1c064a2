import { createHash, randomBytes } from 'node:crypto';
import type { AuditLog } from '../audit/types.js';
import type { Database } from '../store/db.js';
import { type AdminRole, isAdminRole } from './admin.js';

/** A signed-in Command Room user, as the store holds it. */
export interface AdminSession {
  subject: string;
  issuer: string;
  name: string;
  role: AdminRole;
  createdAt: number;
  expiresAt: number;
}

/** What the sign-in callback must check: the values sent with the authorization request. */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface SessionStore {
  /**
   * Start a session; its sign-in entry (`sso.signin`) is chained in the same transaction. Returns the
   * session id for the cookie: it is never stored, only its hash.
   */
  create(
    session: Omit<AdminSession, 'createdAt' | 'expiresAt'>,
    ttlMs: number,
    details: Record<string, unknown>,
  ): Promise<{ id: string; expiresAt: number }>;
  /** The live session with this id, if any (an expired one is no session). */
  find(id: string): Promise<AdminSession | undefined>;
  /** End a session (`sso.signout` in the audit chain); false when there was none. */
  end(id: string, details: Record<string, unknown>): Promise<boolean>;
  /** Keep a sign-in under way for `ttlMs`; returns the id for the browser's login cookie. */
  beginLogin(login: PendingLogin, ttlMs: number): Promise<string>;
  /** Sign-ins under way and not expired: /auth/login answers without authentication, so it caps them. */
  pendingLogins(): Promise<number>;
  /** The sign-in under way with this id, once: a second take (a replayed callback) finds nothing. */
  takeLogin(id: string): Promise<PendingLogin | undefined>;
  /** Drop expired sessions and sign-ins. */
  purgeExpired(): Promise<void>;
}

/** The audit actor of a user signed in through the IdP. */
export function ssoActor(name: string): string {
  return `sso:${name}`;
}

/** The CSRF token of a session: derived from its secret id, so it needs no storage and cannot be guessed. */
export function csrfTokenOf(sessionId: string): string {
  return createHash('sha256').update(`keel-csrf:${sessionId}`).digest('base64url');
}

const ID = /^[A-Za-z0-9_-]{43}$/;

function newId(): string {
  return randomBytes(32).toString('base64url');
}

function hashOf(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

export function createSessionStore(
  database: Database,
  opts: { audit: AuditLog; now?: () => number },
): SessionStore {
  const { db } = database;
  const now = opts.now ?? Date.now;
  const { audit } = opts;

  return {
    async create(session, ttlMs, details) {
      const id = newId();
      const createdAt = now();
      const expiresAt = createdAt + ttlMs;
      await audit.commit(database, async (trx) => {
        await trx
          .insertInto('admin_sessions')
          .values({
            id_hash: hashOf(id),
            subject: session.subject,
            issuer: session.issuer,
            name: session.name,
            role: session.role,
            created_at: createdAt,
            expires_at: expiresAt,
          })
          .execute();
        const entry = {
          actor: ssoActor(session.name),
          action: 'sso.signin',
          target: session.subject,
          details: { ...details, role: session.role, expires_at: new Date(expiresAt).toISOString() },
        };
        return { result: undefined, entries: [entry] };
      });
      return { id, expiresAt };
    },

    async find(id) {
      if (typeof id !== 'string' || !ID.test(id)) return undefined;
      const row = await db
        .selectFrom('admin_sessions')
        .selectAll()
        .where('id_hash', '=', hashOf(id))
        .where('expires_at', '>', now())
        .executeTakeFirst();
      // A role edited by hand into something unknown grants nothing here, unlike admin users: the
      // user can sign in again and have it decided afresh.
      if (!row || !isAdminRole(row.role)) return undefined;
      return {
        subject: row.subject,
        issuer: row.issuer,
        name: row.name,
        role: row.role,
        createdAt: Number(row.created_at),
        expiresAt: Number(row.expires_at),
      };
    },

    async end(id, details) {
      if (typeof id !== 'string' || !ID.test(id)) return false;
      const hash = hashOf(id);
      return audit.commit(database, async (trx) => {
        const row = await trx
          .selectFrom('admin_sessions')
          .select(['subject', 'name', 'expires_at'])
          .where('id_hash', '=', hash)
          .executeTakeFirst();
        if (!row) return { result: false, entries: [] };
        // Deleting only what was read makes two concurrent sign-outs write (and audit) once.
        const res = await trx.deleteFrom('admin_sessions').where('id_hash', '=', hash).executeTakeFirst();
        if (Number(res.numDeletedRows) === 0) return { result: false, entries: [] };
        const entry = { actor: ssoActor(row.name), action: 'sso.signout', target: row.subject, details };
        return { result: true, entries: [entry] };
      });
    },

    async beginLogin(login, ttlMs) {
      const id = newId();
      await db
        .insertInto('sso_logins')
        .values({
          id_hash: hashOf(id),
          state: login.state,
          nonce: login.nonce,
          code_verifier: login.codeVerifier,
          expires_at: now() + ttlMs,
        })
        .execute();
      return id;
    },

    async pendingLogins() {
      const row = await db
        .selectFrom('sso_logins')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('expires_at', '>', now())
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    async takeLogin(id) {
      if (typeof id !== 'string' || !ID.test(id)) return undefined;
      const hash = hashOf(id);
      const row = await db
        .selectFrom('sso_logins')
        .selectAll()
        .where('id_hash', '=', hash)
        .where('expires_at', '>', now())
        .executeTakeFirst();
      if (!row) return undefined;
      // Whoever deletes the row owns the sign-in: a callback replayed in parallel gets nothing.
      const res = await db.deleteFrom('sso_logins').where('id_hash', '=', hash).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) return undefined;
      return { state: row.state, nonce: row.nonce, codeVerifier: row.code_verifier };
    },

    async purgeExpired() {
      const t = now();
      await db.deleteFrom('admin_sessions').where('expires_at', '<=', t).execute();
      await db.deleteFrom('sso_logins').where('expires_at', '<=', t).execute();
    },
  };
}
