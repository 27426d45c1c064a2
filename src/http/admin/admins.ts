import { publicAdmin, publicAdminWithToken } from '../../access/admin.js';
import { invalid } from '../../access/validate.js';
import { KeelError } from '../../errors.js';
import { created, defineGroup, route } from './api/declare.js';
import { onlyFields, readAdminBody } from './body.js';

const FIELDS = new Set(['name', 'role']);

/** Named admin users: all of these need the `admin` role. */
export const adminsApi = defineGroup({
  title: 'admins',
  routes: {
    create: route('POST', '/admins', 'admin', 'Create a named admin (its token is shown once)'),
    list: route('GET', '/admins', 'admin', 'List named admins (`include_revoked`)'),
    revoke: route('DELETE', '/admins/:id', 'admin', 'Revoke a named admin'),
  },
  needs: (s) => s.admins,
  handlers: (admins) => ({
    create: async (c, { admin: caller }) => {
      const body = await readAdminBody(c.req.raw);
      onlyFields(body, FIELDS);
      if (body.name === undefined) throw invalid('name', 'name is required.');
      if (body.role === undefined) throw invalid('role', 'role is required (viewer, operator or admin).');
      const { admin, token } = await admins.create(
        { name: body.name as string, role: body.role as 'viewer' },
        caller.actor,
      );
      // The only time the token is shown; Keel keeps its SHA-256.
      return created(publicAdminWithToken(admin, token));
    },
    list: async (c) => {
      const includeRevoked = ['true', '1'].includes(c.req.query('include_revoked') ?? '');
      const list = await admins.list({ includeRevoked });
      return { object: 'list' as const, data: list.map(publicAdmin) };
    },
    revoke: async (_c, { params, admin }) => {
      if (!(await admins.get(params.id)))
        throw new KeelError('not_found', 'No admin user with that id.', { param: 'id' });
      return publicAdmin(await admins.revoke(params.id, admin.actor));
    },
  }),
});
