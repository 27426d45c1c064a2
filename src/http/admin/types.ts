import type { Hono } from 'hono';
import type { AdminRole, AdminStore } from '../../access/admin.js';
import type { KeyStore } from '../../access/store.js';
import type { AuditLog } from '../../audit/types.js';
import type { KeelConfig } from '../../config/schema.js';
import type { Database } from '../../store/db.js';
import type { AppEnv } from '../types.js';

/** Who is calling the admin API, once authenticated. */
export interface AdminPrincipal {
  /** Audit actor: `admin:bootstrap` for KEEL_ADMIN_TOKEN, `admin:<name>` for named admins. */
  actor: string;
  name: string;
  role: AdminRole;
  /** Admin user id; null for the bootstrap token. */
  id: string | null;
  via: 'bootstrap' | 'user';
}

export type AdminEnv = {
  Variables: AppEnv['Variables'] & {
    admin: AdminPrincipal;
    /** Set by the role table when a rule matched the route; unmatched routes need `admin`. */
    adminRule: AdminRole;
  };
};

export interface AdminRouteRule {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Hono path pattern relative to the admin API's mount point, e.g. `/keys/:id`. */
  path: string;
  /** The least role that may call it. */
  role: AdminRole;
}

export interface AdminRoutesDeps {
  config: KeelConfig;
  keys: KeyStore;
  admins: AdminStore;
  audit: AuditLog;
  database: Database;
  /** Further route groups (audit, use cases …) mounted behind the same authentication and role table. */
  extra?: Array<(app: Hono<AdminEnv>) => void>;
  /** Role rules for routes of `extra` groups not already in ADMIN_ROUTE_ROLES. Routes with no rule need `admin`. */
  rules?: readonly AdminRouteRule[];
  now?: () => number;
}
