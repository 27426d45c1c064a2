export {
  ADMIN_GROUPS,
  type AdminApi,
  type AdminApiOptions,
  type AdminServices,
  createAdminApi,
  declaredRoutes,
} from './api/index.js';
export type { AdminEnv, AdminPrincipal } from './types.js';
