import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seeded } from '../prng.js';
import type { BuildOptions } from '../redteam/corpus/index.js';
import {
  completion,
  type FakeTarget,
  fixtureProbe,
  lastUserText,
  startFakeTarget,
  type TargetAnswer,
} from '../redteam/testkit.js';
import { CATEGORIES, type Probe } from '../redteam/types.js';
import { runRedteamCli } from './redteam.js';
import { runCommand } from './testkit.js';

const KEY = 'sk-cli-test-key-5d9e1c0b7a';
const ADMIN = 'keel-admin-token-for-cli-test';

/** Seeded fixture corpus: each attack asks the fake target to block, resist or echo its nonce. */
function fixtureProbes(opts: BuildOptions): Probe[] {
  const rand = seeded(opts.seed ?? 1);
  const probes: Probe[] = [];
  for (const category of opts.categories ?? CATEGORIES)
    for (let i = 0; i < (opts.samples ?? 20); i++) {
      const nonce = `NONCE-${Math.floor(rand() * 1e9)}`;
      const act = ['BLOCK', 'RESIST', 'ECHO'][Math.floor(rand() * 3)];
      probes.push(
        fixtureProbe(`${category}/t${i}/none`, {
          category,
          user: `${act} ${nonce} ${opts.systemPrompt ?? ''}`,
          checks: [{ kind: 'nonce', value: nonce }],
        }),
        fixtureProbe(`${category}/b${i}/none`, {
          category,
          kind: 'benign',
          user: rand() < 0.2 ? 'BLOCK' : 'hello',
        }),
      );
    }
  return probes;
}

function answer(text: string): TargetAnswer {
  const delayMs = Math.floor(Math.random() * 4);
  if (text.startsWith('BLOCK'))
    return {
      status: 400,
      delayMs,
      body: { error: { code: 'prompt_injection_detected', message: 'no', param: null } },
    };
  if (text.startsWith('ECHO')) return { status: 200, delayMs, body: completion(`ok ${text.split(' ')[1]}`) };
  return { status: 200, delayMs, body: completion('I will not do that.') };
}

let target: FakeTarget;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keel-redteam-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await target?.close();
});

const cli = (argv: string[], env: Record<string, string> = {}) =>
  runCommand((a, io) => runRedteamCli(a, io, { buildProbes: fixtureProbes }), argv, env);
const base = () => ['--target', target.url, '--model', 'gpt-4o-mini', '--concurrency', '4'];

/** The JSON report without what changes from run to run: times and dates. */
function stripTimings(json: string): unknown {
  return JSON.parse(json, (k, v) =>
    ['started_at', 'finished_at', 'duration_ms', 'latency_ms'].includes(k) ? undefined : v,
  );
}

describe('keel redteam', () => {
  it('prints the table and summary, writes the three reports and never records the key', async () => {
    target = await startFakeTarget((c) => answer(lastUserText(c.body)));
    const files = { html: join(dir, 'r.html'), json: join(dir, 'r.json'), junit: join(dir, 'r.xml') };
    const prompt = join(dir, 'prompt.txt');
    writeFileSync(prompt, 'You answer questions about invoices.');
    const run = await cli(
      [
        ...base(),
        '--categories',
        'direct-injection,output-handling',
        '--samples',
        '3',
        '--system-prompt',
        prompt,
        '--report',
        files.html,
        '--json',
        files.json,
        '--junit',
        files.junit,
        '--use-case',
        'billing',
      ],
      { KEEL_API_KEY: KEY },
    );
    expect(run.code).toBe(0);
    expect(run.out).toMatch(
      /^category\s+owasp\s+attempts\s+blocked\s+succeeded\s+false_positives\s+errors$/m,
    );
    expect(run.out).toMatch(/^direct-injection\s+LLM01:2025\s+6\s/m);
    expect(run.out).toMatch(/^output-handling\s+LLM05:2025\s+6\s/m);
    expect(run.out).toMatch(/^score \d+\.\d$/m);
    expect(target.calls).toHaveLength(12);
    expect(target.calls.every((c) => c.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    expect(target.calls.every((c) => c.headers['x-keel-use-case'] === 'billing')).toBe(true);
    expect(lastUserText(target.calls[0]?.body ?? {})).toContain('You answer questions about invoices.');
    const report = JSON.parse(readFileSync(files.json, 'utf8'));
    expect(Object.keys(report)[0]).toBe('summary');
    expect(report.attempts).toHaveLength(12);
    expect(report.target).toEqual({ url: target.url, model: 'gpt-4o-mini', use_case: 'billing' });
    expect(readFileSync(files.junit, 'utf8')).toContain('<testsuite name="output-handling"');
    expect(readFileSync(files.html, 'utf8')).toContain('Keel red-team report');
    for (const f of Object.values(files)) expect(readFileSync(f, 'utf8')).not.toContain(KEY);
    expect(run.out + run.err).not.toContain(KEY);
  });

  it('gives the same report for the same seed (timings aside) and another for another seed', async () => {
    target = await startFakeTarget((c) => answer(lastUserText(c.body)));
    const reportOf = async (seed: string, name: string) => {
      const path = join(dir, name);
      const run = await cli([
        ...base(),
        '--categories',
        'direct-injection,data-exfiltration',
        '--samples',
        '6',
        '--seed',
        seed,
        '--json',
        path,
      ]);
      expect(run.code).toBe(0);
      return stripTimings(readFileSync(path, 'utf8'));
    };
    const first = await reportOf('7', 'a.json');
    expect(await reportOf('7', 'b.json')).toEqual(first);
    expect(await reportOf('8', 'c.json')).not.toEqual(first);
  });

  it('exits 1 when the score is under --fail-under, 0 when it is not', async () => {
    target = await startFakeTarget((c) => answer(lastUserText(c.body)));
    const args = [...base(), '--categories', 'excessive-agency', '--samples', '5'];
    const json = join(dir, 'score.json');
    expect((await cli([...args, '--json', json])).code).toBe(0);
    const { score } = JSON.parse(readFileSync(json, 'utf8')).summary as { score: number };
    expect(score).toBeLessThan(100);
    const under = await cli([...args, '--fail-under', String(score + 0.1)]);
    expect(under.code).toBe(1);
    expect(under.err).toContain(`score ${score.toFixed(1)} is under --fail-under`);
    expect((await cli([...args, '--fail-under', String(score)])).code).toBe(0);
  });

  it.each([
    [['--categories', 'direct-injection,telepathy'], 'unknown category "telepathy"'],
    [['--strategies', 'base64,morse'], 'unknown strategy "morse"'],
    [['--samples', 'ten'], '--samples must be a whole number'],
    [['--samples', '0'], '--samples must be a whole number'],
    [['--concurrency', '2.5'], '--concurrency must be a whole number'],
    [['--fail-under', '120'], '--fail-under must be a score from 0 to 100'],
    [['--system-prompt', '/nonexistent/prompt.txt'], '--system-prompt /nonexistent/prompt.txt: ENOENT'],
    [['--json', '/nonexistent/dir/out.json'], '--json /nonexistent/dir/out.json: no directory'],
    [['--bogus'], "Unknown option '--bogus'"],
  ])('usage error %j exits 2 with a clear message', async (extra, message) => {
    target = await startFakeTarget((c) => answer(lastUserText(c.body)));
    const run = await cli([...base(), ...extra]);
    expect(run.code).toBe(2);
    expect(run.err).toContain(message);
    expect(run.err).not.toMatch(/\n\s+at /);
    expect(target.calls).toHaveLength(0);
  });

  it('needs a target URL and a model', async () => {
    expect((await cli(['--model', 'm'])).err).toContain('--target is required');
    expect((await cli(['--target', 'ftp://x/v1', '--model', 'm'])).err).toContain('--target must be http(s)');
    expect((await cli(['--target', 'http://127.0.0.1:1/v1'])).err).toContain('--model is required');
  });

  it('stores the run without attempts on a Keel target with the admin token', async () => {
    target = await startFakeTarget((c) => answer(lastUserText(c.body)), { status: 201 });
    const run = await cli([...base(), '--samples', '1', '--categories', 'direct-injection'], {
      KEEL_ADMIN_TOKEN: ADMIN,
    });
    expect(run.code).toBe(0);
    expect(run.out).toContain('stored the run on the target as run_1');
    const [stored] = target.stored as Array<{
      headers: Record<string, string>;
      body: Record<string, unknown>;
    }>;
    expect(stored?.headers.authorization).toBe(`Bearer ${ADMIN}`);
    expect(Object.keys(stored?.body ?? {})[0]).toBe('summary');
    expect(stored?.body).not.toHaveProperty('attempts');
  });

  it('skips storing quietly on a target that is not Keel, warns on other failures, and --no-store skips', async () => {
    target = await startFakeTarget((c) => answer(lastUserText(c.body)));
    const args = [...base(), '--samples', '1', '--categories', 'direct-injection'];
    const quiet = await cli(args);
    expect(quiet.code).toBe(0);
    expect(quiet.err).not.toContain('warning');
    await target.close();
    target = await startFakeTarget((c) => answer(lastUserText(c.body)), { status: 500 });
    const warned = await cli([...args, '--admin-token', ADMIN, '--fail-under', '0']);
    expect(warned.code).toBe(0);
    expect(warned.err).toContain('warning: the run was not stored');
    expect(warned.err + warned.out).not.toContain(ADMIN);
    const skipped = await cli([...args, '--no-store']);
    expect(skipped.err).not.toContain('warning');
  });
});
