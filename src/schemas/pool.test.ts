import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidSchemaError } from './compiler.js';
import { SchemaPool } from './pool.js';

// The pool runs the compiled worker script: `npm run build` compiles it into dist/.
const WORKER = new URL('../../dist/schemas/worker.js', import.meta.url);
if (!existsSync(fileURLToPath(WORKER)))
  throw new Error('dist/schemas/worker.js is missing: run `npm run build` first');

/** A schema that takes ajv tens to hundreds of ms to compile; `tag` makes it distinct. */
function wide(tag: string, n = 600): object {
  const properties: Record<string, object> = {};
  for (let i = 0; i < n; i++) properties[`p${i}`] = { type: 'string' };
  return { type: 'object', description: tag, properties };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidSchemaError);
    return (e as Error).message;
  }
  throw new Error('the schema was accepted');
}

describe('SchemaPool', () => {
  it('checks and validates in a worker thread, and answers repeated schemas from its verdicts', async () => {
    const pool = new SchemaPool({ workerUrl: WORKER });
    expect(pool.threaded).toBe(true);
    expect(pool.threads).toBe(0); // started on the first job
    const schema = { type: 'object', properties: { n: { type: 'integer', minimum: 1 } }, required: ['n'] };
    await pool.check(schema);
    expect(pool.threads).toBe(1);
    expect(await pool.validate(schema, 'draft-07', '{"n":3}')).toEqual({ valid: true });
    const bad = await pool.validate(schema, 'draft-07', '{"n":0}');
    expect(bad.valid).toBe(false);
    expect(await refusal(pool.check({ $ref: '#' }))).toMatch(/\$ref cycle/);
    expect(await refusal(pool.check({ type: 'string', pattern: '(a)\\1' }))).toMatch(/backreferences/);
    await pool.close();
    expect(pool.threads).toBe(0);
    // Known verdicts need no thread: the pool is closed, and still answers them.
    await expect(pool.check(schema)).resolves.toBeUndefined();
    expect(await refusal(pool.check({ $ref: '#' }))).toMatch(/\$ref cycle/);
    await expect(pool.check({ type: 'number' })).rejects.toThrow(/closed/);
  });

  it('keeps its verdicts bounded', async () => {
    const pool = new SchemaPool({ workerUrl: null, cacheSize: 3 });
    for (let i = 0; i < 10; i++) await pool.check({ type: 'integer', minimum: i });
    expect(pool.size).toBe(3);
    await pool.close();
  });

  it('refuses a job that outlives the time limit, retires its thread and starts another', async () => {
    const pool = new SchemaPool({ workerUrl: WORKER, timeoutMs: 1 });
    const slow = wide('slow');
    expect(await refusal(pool.check(slow))).toMatch(/too expensive to evaluate: no verdict within 1 ms/);
    // The refusal is remembered: the same schema is refused at once, without a thread.
    expect(await refusal(pool.check(slow))).toMatch(/too expensive/);
    // The stuck thread finishes its compile and exits on its own while a fresh one serves.
    (pool.options as { timeoutMs: number }).timeoutMs = 10_000;
    expect(pool.threads).toBeLessThanOrEqual(2);
    await pool.check({ type: 'string' });
    await expect(pool.validate({ type: 'string' }, 'draft-07', '"x"')).resolves.toEqual({ valid: true });
    await pool.close();
    expect(pool.threads).toBe(0);
  });

  it('never has more than twice its threads alive under a stream of costly schemas', async () => {
    const pool = new SchemaPool({ workerUrl: WORKER, threads: 1, timeoutMs: 1 });
    let most = 0;
    const jobs = Array.from({ length: 4 }, (_, i) =>
      pool.check(wide(`stream ${i}`)).catch((e: unknown) => e),
    );
    const watch = setInterval(() => {
      most = Math.max(most, pool.threads);
    }, 1);
    const outcomes = await Promise.all(jobs);
    clearInterval(watch);
    for (const o of outcomes) expect(String(o)).toMatch(/too expensive/);
    expect(most).toBeLessThanOrEqual(2);
    await pool.close();
    expect(pool.threads).toBe(0);
  });

  it('close() lets the job in hand finish and waits for every thread to end', async () => {
    // A loaded machine must not turn the jobs in hand into timeouts.
    const pool = new SchemaPool({ workerUrl: WORKER, threads: 2, timeoutMs: 30_000 });
    const jobs = [pool.check(wide('a')), pool.check(wide('b')), pool.check(wide('c'))];
    const settled = Promise.allSettled(jobs);
    await new Promise((r) => setImmediate(r));
    await pool.close();
    expect(pool.threads).toBe(0);
    const [a, b, c] = await settled;
    // The two in hand were answered; the queued one was refused because the pool closed.
    expect(a?.status).toBe('fulfilled');
    expect(b?.status).toBe('fulfilled');
    expect(c?.status === 'rejected' && String(c.reason)).toMatch(/closed/);
  });

  it('runs in-process where there is no worker script', async () => {
    const pool = new SchemaPool({ workerUrl: null });
    expect(pool.threaded).toBe(false);
    await pool.check({ type: 'object' });
    expect(await refusal(pool.check({ $ref: '#' }))).toMatch(/\$ref cycle/);
    expect(pool.threads).toBe(0);
    await pool.close();
  });
});
