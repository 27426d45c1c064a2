import { z } from 'zod';
import { publicAdmin, publicAdminWithToken } from '../../access/admin.js';
import { KeelError } from '../../errors.js';
import { created, defineGroup, route } from './api/declare.js';
import { flag, required } from './api/inputs.js';

/** Named admin users: all of these need the `admin` role. */
export const adminsApi = defineGroup({
  title: 'admins',
  routes: {
    create: route('POST', '/admins', 'admin', 'Create a named admin (its token is shown once)', {
      // The store checks the values (the CLI creates admins too).
      body: z.strictObject({
        name: required('name is required.'),
        role: required('role is required (viewer, operator or admin).'),
      }),
    }),
    list: route('GET', '/admins', 'admin', 'List named admins (`include_revoked`)', {
      query: z.object({ include_revoked: flag }),
    }),
    revoke: route('DELETE', '/admins/:id', 'admin', 'Revoke a named admin'),
  },
  needs: (s) => s.admins,
  handlers: (admins) => ({
    create: async (_c, { body, admin: caller }) => {
      const { admin, token } = await admins.create(
        { name: body.name as string, role: body.role as 'viewer' },
        caller.actor,
      );
      // The only time the token is shown; Keel keeps its SHA-256.
      return created(publicAdminWithToken(admin, token));
    },
    list: async (_c, { query }) => {
      const list = await admins.list({ includeRevoked: query.include_revoked });
      return { object: 'list' as const, data: list.map(publicAdmin) };
    },
    revoke: async (_c, { params, admin }) => {
      if (!(await admins.get(params.id)))
        throw new KeelError('not_found', 'No admin user with that id.', { param: 'id' });
      return publicAdmin(await admins.revoke(params.id, admin.actor));
    },
  }),
});
