import type { ColumnType } from 'kysely';

/** Row shapes of Command Room sign-in (migration 013_sessions), plugged into KeelSchema. */
type Int8 = ColumnType<number | string | bigint, number, number>;

/** A signed-in browser. Only the SHA-256 of the cookie's session id is stored. */
export interface AdminSessionsTable {
  id_hash: string;
  /** The IdP's `sub` and issuer: who signed in, whatever their display name. */
  subject: string;
  issuer: string;
  name: string;
  /** The role decided at sign-in from the user's groups. */
  role: string;
  created_at: Int8;
  expires_at: Int8;
}

/** A sign-in under way: what the callback must check, keyed by the SHA-256 of the browser's login cookie. */
export interface SsoLoginsTable {
  id_hash: string;
  state: string;
  nonce: string;
  code_verifier: string;
  expires_at: Int8;
}

export interface SessionSchema {
  admin_sessions: AdminSessionsTable;
  sso_logins: SsoLoginsTable;
}
