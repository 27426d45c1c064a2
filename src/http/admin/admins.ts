import type { Hono } from 'hono';
import { publicAdmin } from '../../access/admin.js';
import { invalid } from '../../access/validate.js';
import { KeelError } from '../../errors.js';
import { onlyFields, readAdminBody } from './body.js';
import type { AdminEnv, AdminRoutesDeps } from './types.js';

const FIELDS = new Set(['name', 'role']);

/** Named admin users. The role table restricts all of these to the `admin` role. */
export function adminUserRoutes(app: Hono<AdminEnv>, deps: AdminRoutesDeps): void {
  const { admins } = deps;

  app.post('/admins', async (c) => {
    const body = await readAdminBody(c.req.raw);
    onlyFields(body, FIELDS);
    if (body.name === undefined) throw invalid('name', 'name is required.');
    if (body.role === undefined) throw invalid('role', 'role is required (viewer, operator or admin).');
    const { admin, token } = await admins.create(
      { name: body.name as string, role: body.role as 'viewer' },
      c.get('admin').actor,
    );
    // The only time the token is shown; Keel keeps its SHA-256.
    return c.json({ id: admin.id, token, ...publicAdmin(admin) }, 201);
  });

  app.get('/admins', async (c) => {
    const includeRevoked = ['true', '1'].includes(c.req.query('include_revoked') ?? '');
    const list = await admins.list({ includeRevoked });
    return c.json({ object: 'list', data: list.map(publicAdmin) });
  });

  app.delete('/admins/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await admins.get(id)))
      throw new KeelError('not_found', 'No admin user with that id.', { param: 'id' });
    const admin = await admins.revoke(id, c.get('admin').actor);
    return c.json(publicAdmin(admin));
  });
}
