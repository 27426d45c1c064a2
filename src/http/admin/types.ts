import type { AdminRole } from '../../access/admin.js';
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
  };
};
