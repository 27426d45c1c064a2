/**
 * Admin users and their roles. Roles are ordered: each includes everything the one before may do.
 *   viewer   — read-only: keys (never secrets), usage, audit, the masked config
 *   operator — also creates, changes, rotates and revokes keys and use cases, runs audit verify
 *   admin    — everything, including managing admin users
 */
export const ADMIN_ROLES = ['viewer', 'operator', 'admin'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

const RANK: Record<AdminRole, number> = { viewer: 0, operator: 1, admin: 2 };

export function isAdminRole(v: unknown): v is AdminRole {
  return typeof v === 'string' && (ADMIN_ROLES as readonly string[]).includes(v);
}

export function roleAllows(role: AdminRole, required: AdminRole): boolean {
  return RANK[role] >= RANK[required];
}

export interface AdminUser {
  id: string;
  name: string;
  role: AdminRole;
  createdAt: number;
  revokedAt: number | null;
  createdBy: string;
}

/** The audit actor for an admin user; `admin:bootstrap` is KEEL_ADMIN_TOKEN and is reserved. */
export function adminActor(name: string): string {
  return `admin:${name}`;
}

export const BOOTSTRAP_NAME = 'bootstrap';

/** The one answer that carries an admin's token: its creation (the id first, then the token). */
export function publicAdminWithToken(a: AdminUser, token: string) {
  const { id, ...rest } = publicAdmin(a);
  return { id, token, ...rest };
}

export function publicAdmin(a: AdminUser) {
  return {
    id: a.id,
    name: a.name,
    role: a.role,
    created_at: new Date(a.createdAt).toISOString(),
    revoked_at: a.revokedAt === null ? null : new Date(a.revokedAt).toISOString(),
    status: a.revokedAt === null ? ('active' as const) : ('revoked' as const),
    created_by: a.createdBy,
  };
}

export interface AdminStore {
  /** The token is returned once; only its SHA-256 is stored. */
  create(
    input: { name: string; role: AdminRole },
    actor: string,
  ): Promise<{ admin: AdminUser; token: string }>;
  list(opts?: { includeRevoked?: boolean }): Promise<AdminUser[]>;
  get(id: string): Promise<AdminUser | undefined>;
  revoke(id: string, actor: string): Promise<AdminUser>;
  /** The active (not revoked) admin whose token has this SHA-256, if any. */
  findByHash(hash: string): Promise<AdminUser | undefined>;
  /** Whether any admin user is active: with none and no bootstrap token the admin API is closed. */
  hasActive(): Promise<boolean>;
}
