import type { AdminRole } from '../../access/admin.js';
import type { AppEnv } from '../types.js';

/** Who is calling the admin API, once authenticated. */
export interface AdminPrincipal {
  /**
   * Audit actor: `admin:bootstrap` for KEEL_ADMIN_TOKEN, `admin:<name>` for named admins,
   * `sso:<name>` for a Command Room session signed in through the IdP (auth.oidc).
   */
  actor: string;
  name: string;
  role: AdminRole;
  /** Admin user id; null for the bootstrap token and SSO sessions. */
  id: string | null;
  via: 'bootstrap' | 'user' | 'sso';
}

export type AdminEnv = {
  Variables: AppEnv['Variables'] & {
    admin: AdminPrincipal;
  };
};
