import { parseArgs } from 'node:util';
import { ADMIN_ROLES, type AdminRole, publicAdmin, publicAdminWithToken } from '../access/admin.js';
import { createAdminStore } from '../access/admin-store.js';
import { KeelError } from '../errors.js';
import { cliGuard, withAccessStore } from './keys.js';
import type { Io } from './main.js';
import { formatTable } from './table.js';

const HELP = `Usage: keel admins <command> [options]

Manage named admin users of the /api admin API directly in the store. Works without a running
Keel, so it is also how the first admin is made when KEEL_ADMIN_TOKEN is not set.

Commands:
  create --name N --role viewer|operator|admin [--json]   Prints the admin's token once
  list [--all] [--json]                                   Active admins (--all: revoked too)
  revoke ID                                               The token stops working at once

Roles: viewer (read-only), operator (keys, use cases, audit verify), admin (everything).
Options: --config keel.yaml (the store is database.url / KEEL_DATABASE_URL)
`;

export async function runAdmins(argv: string[], io: Io): Promise<number> {
  return cliGuard('keel admins', io, HELP, async () => {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        name: { type: 'string' },
        role: { type: 'string' },
        all: { type: 'boolean' },
        json: { type: 'boolean' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
    const [sub, id, ...extra] = positionals;
    if (values.help || !sub) {
      io.out(HELP);
      return values.help ? 0 : 2;
    }
    if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') {
      io.err(`keel admins: unknown command "${sub.slice(0, 40)}"\n\n${HELP}`);
      return 2;
    }
    const needsId = sub === 'revoke';
    if ((needsId && !id) || extra.length > 0 || (!needsId && id !== undefined)) {
      io.err(`keel admins ${sub}: ${needsId ? 'expects one admin id' : 'takes no arguments'}\n`);
      return 2;
    }
    if (sub === 'create') {
      if (!values.name) throw new KeelError('invalid_request', '--name is required.');
      if (!values.role)
        throw new KeelError('invalid_request', `--role is required (${ADMIN_ROLES.join(', ')}).`);
    }
    return withAccessStore(io, values.config, async ({ database, audit }) => {
      const admins = createAdminStore(database, { audit });
      if (sub === 'create') {
        const { admin, token } = await admins.create(
          { name: values.name as string, role: values.role as AdminRole },
          'cli',
        );
        if (values.json) io.out(`${JSON.stringify(publicAdminWithToken(admin, token), null, 2)}\n`);
        else {
          io.out(`Created ${admin.role} ${admin.id} "${admin.name}"\n\n    ${token}\n\n`);
          io.out('Store this token now: Keel keeps only its hash and cannot show it again.\n');
          io.out('Use it as "Authorization: Bearer <token>" on /api.\n');
        }
        return 0;
      }
      if (sub === 'list') {
        const all = (await admins.list({ includeRevoked: values.all === true })).map(publicAdmin);
        if (values.json) io.out(`${JSON.stringify(all, null, 2)}\n`);
        else io.out(formatTable(all, ['id', 'name', 'role', 'status', 'created_at', 'created_by']));
        return 0;
      }
      if (!(await admins.get(id as string)))
        throw new KeelError('not_found', 'No admin user with that id.', { param: 'id' });
      const admin = await admins.revoke(id as string, 'cli');
      if (values.json) io.out(`${JSON.stringify(publicAdmin(admin), null, 2)}\n`);
      else io.out(`Revoked admin ${admin.id} "${admin.name}".\n`);
      return 0;
    });
  });
}
