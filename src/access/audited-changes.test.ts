import { describe, expect, it } from 'vitest';
import type { AuditLogWriter } from '../audit/log.js';
import { allRows, auditActions, auditedChangesSuite, breakAuditInserts } from '../audit/testkit.js';
import { verifyAudit } from '../audit/verify.js';
import type { Database } from '../store/db.js';
import { STORES } from '../store/testkit.js';
import { createAdminStore } from './admin-store.js';
import { createKeyStore } from './key-store.js';
import { hashKey } from './keys.js';

/** Key and admin changes are stored with their audit entry or not at all. */
describe.each(STORES)('audited access changes on $name', (store) => {
  let database: Database;
  let audit: AuditLogWriter;

  auditedChangesSuite(store, ['key_secrets', 'virtual_keys', 'admin_users'], (d, a) => {
    database = d;
    audit = a;
  });

  const actions = () => auditActions(database);

  it('key create, update, rotate and revoke: the entry is in the chain when the call returns', async () => {
    const keys = createKeyStore(database, { audit });
    const { key } = await keys.create({ name: 'bot' }, 'admin:alice');
    expect(await actions()).toEqual([`key.create ${key.id}`]);
    await keys.update(key.id, { rpm: 10 }, 'admin:alice');
    await keys.update(key.id, { rpm: 10 }, 'admin:alice'); // no change, no entry
    await keys.rotate(key.id, 60, 'admin:alice');
    await keys.revoke(key.id, 'admin:alice');
    await keys.revoke(key.id, 'admin:alice'); // already revoked, no entry
    expect(audit.pending).toBe(0);
    expect(await actions()).toEqual(
      ['key.create', 'key.update', 'key.rotate', 'key.revoke'].map((a) => `${a} ${key.id}`),
    );
    const update = (await allRows(database))[1];
    expect(JSON.parse(update?.details ?? '{}')).toMatchObject({ before: { rpm: null }, after: { rpm: 10 } });
    await audit.close();
    expect((await verifyAudit(database)).problems).toEqual([]);
  });

  it('key changes are rolled back when their entry cannot be written', async () => {
    const keys = createKeyStore(database, { audit });
    const { key, secret } = await keys.create({ name: 'bot' }, 'admin:alice');
    const restore = await breakAuditInserts(database);
    try {
      await expect(keys.create({ name: 'other' }, 'admin:alice')).rejects.toThrow(/audit entry/);
      await expect(keys.update(key.id, { rpm: 5 }, 'admin:alice')).rejects.toThrow(/audit entry/);
      await expect(keys.rotate(key.id, 0, 'admin:alice')).rejects.toThrow(/audit entry/);
      await expect(keys.revoke(key.id, 'admin:alice')).rejects.toThrow(/audit entry/);
    } finally {
      await restore();
    }
    expect((await keys.list({ includeRevoked: true })).map((k) => k.name)).toEqual(['bot']);
    expect(await keys.get(key.id)).toEqual(key);
    // The rotation did not happen: the old secret is still the only one, and it never expires.
    const secrets = await database.db.selectFrom('key_secrets').selectAll().execute();
    expect(secrets).toHaveLength(1);
    expect(secrets[0]?.expires_at).toBeNull();
    expect((await keys.findByHash(hashKey(secret)))?.key.id).toBe(key.id);
    expect(await actions()).toEqual([`key.create ${key.id}`]);
    await audit.close();
  });

  it('admin create and revoke are audited with their change, or not made', async () => {
    const admins = createAdminStore(database, { audit });
    const { admin } = await admins.create({ name: 'ops', role: 'operator' }, 'admin:root');
    expect(await actions()).toEqual([`admin.create ${admin.id}`]);
    const restore = await breakAuditInserts(database);
    try {
      // Not reported as a duplicate name: the change failed because the audit write did.
      await expect(admins.create({ name: 'dev', role: 'viewer' }, 'admin:root')).rejects.toThrow(
        /audit entry/,
      );
      await expect(admins.revoke(admin.id, 'admin:root')).rejects.toThrow(/audit entry/);
    } finally {
      await restore();
    }
    expect((await admins.list({ includeRevoked: true })).map((a) => [a.name, a.revokedAt])).toEqual([
      ['ops', null],
    ]);
    await admins.revoke(admin.id, 'admin:root');
    await admins.revoke(admin.id, 'admin:root');
    expect(await actions()).toEqual([`admin.create ${admin.id}`, `admin.revoke ${admin.id}`]);
    await audit.close();
    expect((await verifyAudit(database)).problems).toEqual([]);
  });
});
