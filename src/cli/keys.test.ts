import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createKeyStore } from '../access/key-store.js';
import { hashKey } from '../access/keys.js';
import { memoryAudit } from '../access/memory-audit.js';
import { openDatabase } from '../store/db.js';
import { runAdmins } from './admins.js';
import { flagsToInput, parseExpiry, runKeys } from './keys.js';
import type { Io } from './main.js';
import { runCommand } from './testkit.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'keel-cli-keys-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let dbUrl = '';
let n = 0;
beforeEach(() => {
  dbUrl = `sqlite:${path.join(tmp, `keel-${++n}.db`)}`;
});

const run = (cmd: (argv: string[], io: Io) => Promise<number>, argv: string[]) =>
  runCommand(cmd, argv, { KEEL_DATABASE_URL: dbUrl });

async function auditRows(): Promise<
  Array<{ actor: string; action: string; target: string | null; details: string }>
> {
  const database = await openDatabase(dbUrl);
  try {
    const r = await sql<{ actor: string; action: string; target: string | null; details: string }>`
      select actor, action, target, details from audit_log order by seq`.execute(database.db);
    return r.rows;
  } finally {
    await database.close();
  }
}

describe('keel keys', () => {
  it('creates, lists, updates, rotates and revokes keys in the store, audited as cli', async () => {
    const created = await run(runKeys, [
      'create',
      '--name',
      'support bot',
      '--models',
      'gpt-4o*,claude-sonnet',
      '--use-cases',
      'support',
      '--rpm',
      '60',
      '--budget-usd',
      '2.5',
      '--budget-period',
      'day',
      '--expires-at',
      '30d',
      '--allowed-cidrs',
      '10.0.0.0/8, 192.168.0.0/16',
    ]);
    expect(created.code).toBe(0);
    const secret = /sk-keel-[0-9A-Za-z]{43}/.exec(created.out)?.[0] as string;
    expect(secret).toBeDefined();
    expect(created.out).toContain('cannot show it again');

    const listed = await run(runKeys, ['list', '--json']);
    expect(listed.code).toBe(0);
    expect(listed.out).not.toContain(secret);
    const keys = JSON.parse(listed.out) as Array<Record<string, unknown>>;
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({
      name: 'support bot',
      models: ['gpt-4o*', 'claude-sonnet'],
      tools: [],
      use_cases: ['support'],
      rpm: 60,
      budget_usd: 2.5,
      budget_period: 'day',
      allowed_cidrs: ['10.0.0.0/8', '192.168.0.0/16'],
      created_by: 'cli',
    });
    const id = keys[0]?.id as string;
    const table = await run(runKeys, ['list']);
    expect(table.out).toContain(id);
    expect(table.out).toContain('$2.5/day');

    const updated = await run(runKeys, ['update', id, '--rpm', 'none', '--tools', 'lookup_order', '--json']);
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.out)).toMatchObject({ rpm: null, tools: ['lookup_order'] });

    const rotated = await run(runKeys, ['rotate', id, '--grace-s', '0', '--json']);
    expect(rotated.code).toBe(0);
    const fresh = (JSON.parse(rotated.out) as { key: string }).key;
    expect(fresh).not.toBe(secret);

    const database = await openDatabase(dbUrl);
    const store = createKeyStore(database, { audit: memoryAudit() });
    expect(await store.findByHash(hashKey(secret))).toBeUndefined(); // grace 0: dead at once
    expect((await store.findByHash(hashKey(fresh)))?.key.id).toBe(id);
    await database.close();

    const revoked = await run(runKeys, ['revoke', id]);
    expect(revoked.code).toBe(0);
    expect(revoked.out).toContain('Revoked');
    expect(JSON.parse((await run(runKeys, ['list', '--json'])).out)).toEqual([]);
    expect(JSON.parse((await run(runKeys, ['list', '--all', '--json'])).out)).toHaveLength(1);

    const rows = await auditRows();
    expect(rows.map((r) => r.action)).toEqual(['key.create', 'key.update', 'key.rotate', 'key.revoke']);
    expect(rows.every((r) => r.actor === 'cli' && r.target === id)).toBe(true);
    const text = JSON.stringify(rows);
    for (const s of [secret, fresh, hashKey(secret), hashKey(fresh)]) expect(text).not.toContain(s);
  });

  it('refuses bad input with a message and exit code 2, unknown ids with 1', async () => {
    const cases: Array<[string[], number, string]> = [
      [['create'], 2, '--name is required'],
      [['create', '--name', 'x', '--rpm', 'lots'], 2, 'rpm'],
      [['create', '--name', 'x', '--budget-period', 'week'], 2, 'budget_period'],
      [['create', '--name', 'x', '--expires-at', '2001-01-01'], 2, 'future'],
      [['create', '--name', 'x', '--allowed-cidrs', 'nope'], 2, 'allowed_cidrs'],
      [['create', '--name', 'bad\u202Ename'], 2, 'name'],
      [['create', '--name', 'x', '--bogus'], 2, 'bogus'],
      [['update', 'key_0123456789abcdef', '--rpm', '5'], 1, 'No key'],
      [['update', 'key_0123456789abcdef'], 2, 'Nothing to update'],
      [['rotate'], 2, 'expects one key id'],
      [['revoke', "key_'; DROP TABLE virtual_keys; --"], 1, 'No key'],
      [['explode'], 2, 'unknown command'],
    ];
    for (const [argv, code, message] of cases) {
      const r = await run(runKeys, argv);
      expect(r.code, argv.join(' ')).toBe(code);
      expect(r.err, argv.join(' ')).toContain(message);
    }
    expect(JSON.parse((await run(runKeys, ['list', '--all', '--json'])).out)).toEqual([]);
  });

  it('maps flags to key fields', () => {
    expect(flagsToInput({ models: '', team: '', tpm: 'none', endpoints: 'chat,/v1/embeddings' })).toEqual({
      models: [],
      team: null,
      tpm: null,
      endpoints: ['chat', '/v1/embeddings'],
    });
    expect(flagsToInput({ 'mcp-servers': 'fs, docs', 'mcp-tools': 'crm__read_*,fs__read_file' })).toEqual({
      mcpServers: ['fs', 'docs'],
      mcpTools: ['crm__read_*', 'fs__read_file'],
    });
    expect(flagsToInput({ 'mcp-servers': '' })).toEqual({ mcpServers: [] });
    expect(parseExpiry('12h', 1000)).toBe(1000 + 12 * 3_600_000);
    expect(parseExpiry('2030-01-01T00:00:00Z')).toBe(Date.UTC(2030, 0, 1));
    expect(parseExpiry('1900000000000')).toBe(1_900_000_000_000);
    expect(parseExpiry('none')).toBeNull();
  });
});

describe('keel admins', () => {
  it('creates, lists and revokes admin users; the token is printed once', async () => {
    const created = await run(runAdmins, ['create', '--name', 'alice', '--role', 'operator']);
    expect(created.code).toBe(0);
    const token = /keel-admin-[0-9A-Za-z]{43}/.exec(created.out)?.[0] as string;
    expect(token).toBeDefined();

    const listed = await run(runAdmins, ['list', '--json']);
    expect(listed.out).not.toContain(token);
    const admins = JSON.parse(listed.out) as Array<Record<string, unknown>>;
    expect(admins).toEqual([expect.objectContaining({ name: 'alice', role: 'operator', status: 'active' })]);

    const dup = await run(runAdmins, ['create', '--name', 'alice', '--role', 'viewer']);
    expect(dup.code).toBe(2);
    const badRole = await run(runAdmins, ['create', '--name', 'bob', '--role', 'root']);
    expect(badRole.code).toBe(2);
    expect(badRole.err).toContain('role');

    const revoked = await run(runAdmins, ['revoke', admins[0]?.id as string]);
    expect(revoked.code).toBe(0);
    expect(JSON.parse((await run(runAdmins, ['list', '--json'])).out)).toEqual([]);
    expect((await run(runAdmins, ['revoke', 'adm_0000000000000000'])).code).toBe(1);

    const rows = await auditRows();
    expect(rows.map((r) => r.action)).toEqual(['admin.create', 'admin.revoke']);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(JSON.stringify(rows)).not.toContain(hashKey(token));
  });
});
