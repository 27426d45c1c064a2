import { afterAll, describe, expect, it } from 'vitest';
import { bwrapMissing, removeScratch, runNodeScript } from './testkit.js';

afterAll(removeScratch);

/** bwrap reports a child killed by a signal as 128 + the signal number. */
const SIGXCPU = 24;
const SIGKILL = 9;

describe.skipIf(bwrapMissing)(`sandbox limits${bwrapMissing ? ` (${bwrapMissing})` : ''}`, () => {
  it('kills a busy loop at its CPU limit', async () => {
    const r = await runNodeScript('console.log("started"); for (;;) {}', { sandbox: { cpu_seconds: 1 } });
    expect(r.stdout.trim()).toBe('started');
    expect([128 + SIGXCPU, 128 + SIGKILL]).toContain(r.code);
    // One CPU second (more wall time on a loaded machine) and a second of grace to the hard limit;
    // well before the runner's own 15 s kill, which would show as signal SIGKILL and no code.
    expect(r.ms).toBeLessThan(12_000);
  });

  it('stops a process allocating beyond memory_mb: the allocation fails or the process dies', async () => {
    const r = await runNodeScript(
      `const held = [];
      try {
        for (let mb = 32; mb <= 2048; mb += 32) { held.push(Buffer.allocUnsafe(32 << 20).fill(1)); console.log(mb); }
        console.log('allocated all');
      } catch { console.log('refused'); }`,
      { sandbox: { memory_mb: 256 } },
    );
    const lines = r.stdout.trim().split('\n');
    // It could allocate (the limit is not below what Node needs to run), then not past the limit.
    expect(lines[0]).toBe('32');
    expect(lines).not.toContain('allocated all');
    expect(Math.max(...lines.map(Number).filter(Number.isFinite))).toBeLessThanOrEqual(256);
    // V8 aborts when its own heap cannot grow; a failed Buffer allocation is an exception instead.
    if (lines.at(-1) !== 'refused') expect(r.code).not.toBe(0);
  });

  it('bounds its private /tmp by memory_mb', async () => {
    const r = await runNodeScript(
      `import { appendFileSync } from 'node:fs';
      const chunk = Buffer.alloc(16 << 20, 1);
      let mb = 0;
      try { while (mb < 1024) { appendFileSync('/tmp/fill', chunk); mb += 16; } console.log('wrote all'); }
      catch (e) { console.log(e.code + ' after ' + mb); }`,
      { sandbox: { memory_mb: 256 } },
    );
    const [code, , mb] = r.stdout.trim().split(' ');
    expect(code).toBe('ENOSPC');
    expect(Number(mb)).toBeLessThanOrEqual(256);
  });
});
