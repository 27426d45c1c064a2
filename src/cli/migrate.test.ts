import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { buildKeel } from '../build.js';
import { loadConfig } from '../config/load.js';
import { runMigrate } from './migrate.js';
import { runStart } from './start.js';
import { runCommand } from './testkit.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'keel-cli-migrate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = runCommand;

function configFile(name: string, migrate: 'auto' | 'off'): string {
  const file = path.join(tmp, `${name}.yaml`);
  writeFileSync(
    file,
    JSON.stringify({
      database: { url: `sqlite:${path.join(tmp, `${name}.db`)}`, migrate },
      logging: { level: 'silent' },
    }),
  );
  return file;
}

describe('keel migrate', () => {
  it('lists pending migrations, applies them once and reports what it applied', async () => {
    const cfg = configFile('fresh', 'auto');
    const status = await run(runMigrate, ['--config', cfg, '--status']);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/^\d+ pending migration\(s\):/);
    expect(status.out).toContain('  001_usage_events\n');
    expect(status.out).toContain('  010_change_versions\n');

    const first = await run(runMigrate, ['--config', cfg]);
    expect(first.code).toBe(0);
    const applied = first.out.split('\n').filter((l) => l.startsWith('  '));
    expect(first.out).toContain(`Applied ${applied.length} migration(s):`);
    expect(applied.map((l) => l.trim())).toEqual(
      status.out
        .split('\n')
        .filter((l) => l.startsWith('  '))
        .map((l) => l.trim()),
    );

    const again = await run(runMigrate, ['--config', cfg]);
    expect(again.code).toBe(0);
    expect(again.out).toBe('No pending migrations: the database is up to date.\n');
  });

  it('database.migrate: off — start refuses while migrations are pending, and starts after keel migrate', async () => {
    const cfg = configFile('off', 'off');
    const refused = await run(runStart, ['--config', cfg, '--port', '0']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/pending migration\(s\).*database\.migrate is off: run `keel migrate` first/);
    // Refusing changed nothing: the migrations are all still pending.
    expect((await run(runMigrate, ['--config', cfg, '--status'])).out).toContain('010_change_versions');

    expect((await run(runMigrate, ['--config', cfg])).code).toBe(0);
    const { config } = loadConfig({ path: cfg, env: {} });
    const app = await buildKeel(config, { logger: pino({ level: 'silent' }) });
    try {
      const res = await app.request('/readyz');
      expect(res.status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
