import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareSandbox, SandboxConfigError, SandboxUnavailableError } from './index.js';
import {
  bwrapMissing,
  localServer,
  prepareNodeScript,
  removeScratch,
  runNodeScript,
  scratchDir,
  spawnSpec,
} from './testkit.js';

afterAll(removeScratch);

/** What a probe script prints: one JSON line. */
function report(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

const tryRead = `
import { readFileSync, writeFileSync } from 'node:fs';
const attempt = (f) => { try { return { ok: f() ?? true }; } catch (e) { return { error: e.code ?? String(e) }; } };
`;

describe.skipIf(bwrapMissing)(
  `sandbox: files, environment, user, network${bwrapMissing ? ` (${bwrapMissing})` : ''}`,
  () => {
    it('reads only what it is granted: not /etc/shadow, not a store outside its grant', async () => {
      const store = scratchDir();
      writeFileSync(join(store, 'keel.db'), 'keys and audit', { mode: 0o644 });
      const granted = scratchDir();
      writeFileSync(join(granted, 'report.txt'), 'granted data', { mode: 0o644 });
      const r = await runNodeScript(
        `${tryRead}
      console.log(JSON.stringify({
        shadow: attempt(() => readFileSync('/etc/shadow', 'utf8')),
        store: attempt(() => readFileSync(${JSON.stringify(join(store, 'keel.db'))}, 'utf8')),
        root: attempt(() => readFileSync('/root/.bashrc', 'utf8')),
        granted: attempt(() => readFileSync(${JSON.stringify(join(granted, 'report.txt'))}, 'utf8')),
      }));`,
        { sandbox: { read_only: [granted] } },
      );
      expect(r.stderr).toBe('');
      expect(report(r.stdout)).toEqual({
        shadow: { error: 'ENOENT' },
        store: { error: 'ENOENT' },
        root: { error: 'ENOENT' },
        granted: { ok: 'granted data' },
      });
    });

    it('writes only to read_write paths; its /tmp is private', async () => {
      const rw = scratchDir(true);
      const ro = scratchDir();
      const tmpName = `keel-sbx-private-${process.pid}-${Date.now()}`;
      const r = await runNodeScript(
        `${tryRead}
      console.log(JSON.stringify({
        rw: attempt(() => writeFileSync(${JSON.stringify(join(rw, 'out.txt'))}, 'written')),
        ro: attempt(() => writeFileSync(${JSON.stringify(join(ro, 'out.txt'))}, 'x')),
        usr: attempt(() => writeFileSync('/usr/evil', 'x')),
        etc: attempt(() => writeFileSync('/etc/passwd', 'x')),
        // bwrap's own root and /dev are unbounded tmpfs: read-only, so they cannot soak up memory.
        root: attempt(() => writeFileSync('/fill', 'x')),
        dev: attempt(() => writeFileSync('/dev/fill', 'x')),
        tmp: attempt(() => writeFileSync('/tmp/${tmpName}', 'x')),
      }));`,
        { sandbox: { read_only: [ro], read_write: [rw] } },
      );
      expect(report(r.stdout)).toEqual({
        rw: { ok: true },
        ro: { error: 'EROFS' },
        usr: { error: 'EROFS' },
        etc: { error: 'EROFS' },
        root: { error: 'EROFS' },
        dev: { error: 'EROFS' },
        tmp: { ok: true },
      });
      expect(readdirSync(rw)).toEqual(['out.txt']);
      // Keel as root starts bwrap as nobody: outside its namespaces too, what it writes is not root's.
      if (process.getuid?.() === 0) expect(statSync(join(rw, 'out.txt')).uid).toBe(65534);
      expect(readdirSync(ro)).toEqual([]);
      expect(existsSync(`/tmp/${tmpName}`)).toBe(false);
    });

    it('sees only the configured environment, runs as nobody without capabilities', async () => {
      process.env.KEEL_SANDBOX_CANARY = 'must-not-leak';
      try {
        const r = await runNodeScript(
          `import { readFileSync } from 'node:fs';
        const status = readFileSync('/proc/self/status', 'utf8');
        console.log(JSON.stringify({
          env: process.env,
          uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(),
          capEff: /CapEff:\\s*(\\w+)/.exec(status)[1], capBnd: /CapBnd:\\s*(\\w+)/.exec(status)[1],
        }));`,
          { env: { GIVEN: 'yes' } },
        );
        const out = report(r.stdout) as {
          env: Record<string, string>;
          uid: number;
          gid: number;
          capEff: string;
          capBnd: string;
        };
        expect(out.env.KEEL_SANDBOX_CANARY).toBeUndefined();
        expect(Object.keys(out.env).sort()).toEqual(['GIVEN', 'HOME', 'PATH', 'PWD']);
        expect(out.uid).toBe(65534);
        expect(out.gid).toBe(65534);
        expect(out.capEff).toBe('0000000000000000');
        expect(out.capBnd).toBe('0000000000000000');
      } finally {
        delete process.env.KEEL_SANDBOX_CANARY;
      }
    });

    it('has no network: a loopback server of the host is out of reach', async () => {
      let accepted = 0;
      const server: Server = createServer((s) => {
        accepted++;
        s.destroy();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as { port: number }).port;
      try {
        const r = await runNodeScript(
          `import net from 'node:net';
        import os from 'node:os';
        const tcp = await new Promise((resolve) => {
          const s = net.connect(${port}, '127.0.0.1');
          s.on('connect', () => { s.destroy(); resolve('connected'); });
          s.on('error', (e) => resolve(e.code));
        });
        const outside = await new Promise((resolve) => {
          const s = net.connect(53, '1.1.1.1');
          s.on('connect', () => { s.destroy(); resolve('connected'); });
          s.on('error', (e) => resolve(e.code));
        });
        console.log(JSON.stringify({ tcp, outside, interfaces: Object.keys(os.networkInterfaces()) }));`,
        );
        expect(report(r.stdout)).toEqual({ tcp: 'ECONNREFUSED', outside: 'ENETUNREACH', interfaces: ['lo'] });
        expect(accepted).toBe(0);
      } finally {
        server.close();
      }
    });
  },
);

/** Host processes whose command line holds `marker`. */
function processesWith(marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) found.push(pid);
    } catch {}
  }
  return found;
}

describe.skipIf(bwrapMissing)(`sandbox: process lifetime${bwrapMissing ? ` (${bwrapMissing})` : ''}`, () => {
  it('takes every process of the sandbox down with the one Keel spawned', async () => {
    const marker = `keel-sandbox-orphan-${process.pid}-${Date.now()}`;
    const spec = await prepareNodeScript(
      `import { spawn } from 'node:child_process';
      const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '${marker}'], {
        detached: true, stdio: 'ignore',
      });
      grandchild.unref();
      console.log('ready');
      setInterval(() => {}, 1000);`,
    );
    const child = spawnSpec(spec);
    try {
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      expect(processesWith(marker)).toHaveLength(1);
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
      // The kernel reaps the PID namespace once its init is gone; that has no event to await.
      const deadline = Date.now() + 5_000;
      while (processesWith(marker).length > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 25));
      expect(processesWith(marker)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      await spec.close();
    }
  });
});

describe('sandbox: refusals', () => {
  it('refuses a sandboxed server when bubblewrap is missing, naming both ways out', async () => {
    const server = localServer({ command: 'node', args: ['-e', '1'] });
    for (const bwrapPath of [null, '/nonexistent/bin/bwrap']) {
      const err = await prepareSandbox(server, { bwrapPath }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SandboxUnavailableError);
      expect((err as Error).message).toMatch(/install bubblewrap/i);
      expect((err as Error).message).toContain('sandbox.enabled: false');
    }
  });

  it.skipIf(bwrapMissing)('refuses when bubblewrap cannot make a sandbox here, with its reason', async () => {
    const fake = join(scratchDir(), 'bwrap');
    writeFileSync(fake, "#!/bin/sh\necho 'bwrap: No permissions to creating new namespace' >&2\nexit 1\n", {
      mode: 0o755,
    });
    const tmpRoot = scratchDir();
    const err = await prepareSandbox(localServer({ command: 'node' }), { bwrapPath: fake, tmpRoot }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SandboxUnavailableError);
    expect((err as Error).message).toContain('No permissions to creating new namespace');
    expect((err as Error).message).toContain('sandbox.enabled: false');
    expect(readdirSync(tmpRoot)).toEqual([]);
  });

  it('runs as configured, with only the configured environment, when the operator opts out', async () => {
    process.env.KEEL_SANDBOX_CANARY = 'must-not-leak';
    try {
      const server = localServer({
        command: 'node',
        args: ['server.js'],
        env: { TOKEN: 't' },
        cwd: '/srv/tool',
        sandbox: { enabled: false, max_lifetime: '1h' },
      });
      const spec = await prepareSandbox(server, { bwrapPath: null });
      expect(spec).toMatchObject({
        command: 'node',
        args: ['server.js'],
        cwd: '/srv/tool',
        sandboxed: false,
      });
      expect(Object.keys(spec.env).sort()).toEqual(['PATH', 'TOKEN']);
      expect(spec.maxLifetimeMs).toBe(3_600_000);
    } finally {
      delete process.env.KEEL_SANDBOX_CANARY;
    }
  });

  it.skipIf(bwrapMissing)('refuses grants of protected paths and of their parents', async () => {
    const store = scratchDir();
    for (const [read_only, protectedPaths] of [
      [['/etc'], []],
      [['/'], []],
      [['/etc/shadow'], []],
      [['/proc/self'], []],
      [[store], [store]],
      [[join(store, 'keel.db')], [store]],
      [[join(store, '..')], [store]],
    ] as const) {
      const server = localServer({ command: 'node', sandbox: { read_only } });
      await expect(prepareSandbox(server, { protectedPaths: [...protectedPaths] })).rejects.toBeInstanceOf(
        SandboxConfigError,
      );
    }
  });

  it.skipIf(bwrapMissing || process.getuid?.() !== 0)(
    'refuses a grant that the sandbox uid could not reach, naming the closed directory',
    async () => {
      const closed = scratchDir();
      chmodSync(closed, 0o700);
      mkdirSync(join(closed, 'data'));
      const server = localServer({ command: 'node', sandbox: { read_only: [join(closed, 'data')] } });
      await expect(prepareSandbox(server)).rejects.toThrow(`${closed} is closed to uid 65534`);
    },
  );

  it.skipIf(bwrapMissing)('close() removes the run directory it made', async () => {
    const tmpRoot = scratchDir();
    const spec = await prepareSandbox(
      localServer({ command: 'node', sandbox: { allow_hosts: ['example.com'] } }),
      {
        tmpRoot,
      },
    );
    expect(readdirSync(tmpRoot)).toHaveLength(1);
    await spec.close();
    expect(readdirSync(tmpRoot)).toEqual([]);
  });
});
