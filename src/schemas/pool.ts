import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  DEFAULT_SCHEMA_COMPILER_OPTIONS,
  InvalidSchemaError,
  SchemaCompiler,
  type SchemaCompilerOptions,
  type SchemaDialect,
} from './compiler.js';
import {
  type FromSchemaWorker,
  type JobReply,
  runJob,
  type SchemaJob,
  type ValidationResult,
} from './protocol.js';

/**
 * Caller-supplied JSON Schemas are checked, compiled and validated in worker threads, never on the
 * gateway's event loop: a schema of 600 properties costs 100–500 ms of ajv compile, and every
 * distinct schema pays it again. The main thread keeps only a bounded cache of verdicts keyed by
 * the schema's hash (hashing is linear and cheap), so a schema seen before costs no round trip to
 * be admitted, and a refused one costs none at all.
 *
 * A job that gets no answer within `timeoutMs` is refused as too expensive to evaluate; its thread
 * is asked to exit once the job in hand is over and a fresh one takes its place. Threads are never
 * terminated: on Node 20 a worker isolate disposed while V8 still compiles for it aborts the whole
 * process (see docs/deployment.md), and compiling is all these threads do.
 */

export interface SchemaPoolOptions extends SchemaCompilerOptions {
  /** Worker threads; started on the first job. */
  threads: number;
  /** A job unanswered after this long is refused and its thread replaced. */
  timeoutMs: number;
  /**
   * The compiled worker script. Default: worker.js beside this module, or, when Keel runs from its
   * TypeScript sources (tests), the build's copy in dist/ if there is one. null, or no script:
   * jobs run in-process, on the caller's thread.
   */
  workerUrl?: URL | null;
}

export const DEFAULT_SCHEMA_POOL_OPTIONS: SchemaPoolOptions = {
  ...DEFAULT_SCHEMA_COMPILER_OPTIONS,
  threads: 1,
  timeoutMs: 2000,
};

interface Pending {
  job: SchemaJob;
  key: string;
  resolve: (r: ValidationResult | undefined) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  exited: Promise<void>;
  job: Pending | null;
  timer: NodeJS.Timeout | null;
  /** Its thread has loaded and warmed up: the time limit counts from here, not from a cold start. */
  online: boolean;
}

function defaultWorkerUrl(): URL | null {
  const beside = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL('../../dist/schemas/worker.js', import.meta.url);
  return import.meta.url.endsWith('.ts') && existsSync(fileURLToPath(built)) ? built : null;
}

export class SchemaPool {
  readonly options: SchemaPoolOptions;
  private readonly workerUrl: URL | null;
  private readonly verdicts = new Map<string, string | null>();
  private readonly queue: Pending[] = [];
  private readonly slots = new Set<Slot>();
  private readonly retiring = new Set<Promise<void>>();
  private local: SchemaCompiler | null = null;
  private nextId = 1;
  private closed = false;

  constructor(options: Partial<SchemaPoolOptions> = {}) {
    this.options = { ...DEFAULT_SCHEMA_POOL_OPTIONS, ...options };
    this.workerUrl = options.workerUrl === undefined ? defaultWorkerUrl() : options.workerUrl;
  }

  /** True when jobs run in worker threads. */
  get threaded(): boolean {
    return this.workerUrl !== null;
  }

  /** Threads running now, replaced ones still finishing included (for tests and metrics). */
  get threads(): number {
    return this.slots.size + this.retiring.size;
  }

  /** Verdicts held. */
  get size(): number {
    return this.verdicts.size;
  }

  /**
   * Admission: limits, regexes, the dialect's meta-schema and an ajv compile, so a schema that
   * cannot be compiled is refused before any upstream call. Throws InvalidSchemaError.
   */
  async check(schema: unknown, dialect: SchemaDialect = 'draft-07'): Promise<void> {
    await this.submit(schema, dialect, undefined);
  }

  /** Validate `value` (JSON text) against `schema`. Throws InvalidSchemaError for a refused schema. */
  async validate(schema: unknown, dialect: SchemaDialect, value: string): Promise<ValidationResult> {
    return (await this.submit(schema, dialect, value)) as ValidationResult;
  }

  /** Refuses new jobs, lets the ones in hand finish, and waits for every thread to end. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('the schema pool is closed'));
    for (const s of this.slots) s.worker.postMessage({ op: 'exit' });
    await Promise.all([...[...this.slots].map((s) => s.exited), ...this.retiring]);
  }

  private submit(schema: unknown, dialect: SchemaDialect, value: string | undefined) {
    const text = typeof schema === 'string' ? schema : JSON.stringify(schema ?? null);
    const key = createHash('sha256').update(dialect).update('\0').update(text).digest('base64');
    const verdict = this.verdicts.get(key);
    if (typeof verdict === 'string') return Promise.reject(new InvalidSchemaError(verdict));
    if (verdict === null && value === undefined) return Promise.resolve(undefined);
    if (this.closed) return Promise.reject(new Error('the schema pool is closed'));
    const job: SchemaJob = { op: 'run', id: this.nextId++, text, dialect };
    if (value !== undefined) job.value = value;
    return new Promise<ValidationResult | undefined>((resolve, reject) => {
      const p: Pending = { job, key, resolve, reject };
      if (!this.workerUrl) {
        this.local ??= new SchemaCompiler(this.options);
        this.settle(p, runJob(this.local, job));
      } else {
        this.queue.push(p);
        this.pump();
      }
    });
  }

  private remember(key: string, verdict: string | null): void {
    this.verdicts.delete(key);
    this.verdicts.set(key, verdict);
    while (this.verdicts.size > this.options.cacheSize) {
      this.verdicts.delete(this.verdicts.keys().next().value as string);
    }
  }

  private settle(p: Pending, m: JobReply): void {
    if (m.ok) {
      this.remember(p.key, null);
      p.resolve(m.result);
    } else if ('invalid' in m) {
      this.remember(p.key, m.invalid);
      p.reject(new InvalidSchemaError(m.invalid));
    } else p.reject(new Error(`schema worker: ${m.error}`));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = [...this.slots].find((s) => s.job === null);
      // Replaced threads still finishing count too: a stream of costly schemas cannot pile them up.
      const { threads } = this.options;
      if (!slot && this.slots.size < threads && this.slots.size + this.retiring.size < threads * 2)
        slot = this.start();
      if (!slot) return;
      this.dispatch(slot, this.queue.shift() as Pending);
    }
  }

  private dispatch(slot: Slot, p: Pending): void {
    slot.job = p;
    if (slot.online) this.time(slot);
    slot.worker.postMessage(p.job);
  }

  private time(slot: Slot): void {
    slot.timer = setTimeout(() => this.expire(slot), this.options.timeoutMs);
  }

  private start(): Slot {
    const { workerUrl: _u, threads: _t, timeoutMs: _m, ...compiler } = this.options;
    const worker = new Worker(this.workerUrl as URL, { workerData: compiler });
    const slot: Slot = {
      worker,
      exited: new Promise((resolve) => worker.once('exit', () => resolve())),
      job: null,
      timer: null,
      online: false,
    };
    worker.on('message', (m: FromSchemaWorker) => {
      if ('ready' in m) {
        slot.online = true;
        if (slot.job) this.time(slot);
        return;
      }
      const p = slot.job;
      if (!p || p.job.id !== m.id || !this.slots.has(slot)) return;
      this.release(slot);
      this.settle(p, m);
      this.pump();
    });
    const lost = (why: Error) => {
      if (!this.slots.delete(slot)) return;
      const p = slot.job;
      this.release(slot);
      p?.reject(why);
      this.pump();
    };
    worker.on('error', (e) => lost(new Error('schema worker failed', { cause: e })));
    worker.once('exit', (code) => lost(new Error(`schema worker exited with code ${code}`)));
    this.slots.add(slot);
    return slot;
  }

  private release(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
  }

  /** The job in hand took too long: refuse it, retire its thread, start another. */
  private expire(slot: Slot): void {
    const p = slot.job;
    if (!p || !this.slots.delete(slot)) return;
    this.release(slot);
    slot.worker.postMessage({ op: 'exit' });
    const done = slot.exited.then(() => {
      this.retiring.delete(done);
      this.pump();
    });
    this.retiring.add(done);
    const message = `the schema is too expensive to evaluate: no verdict within ${this.options.timeoutMs} ms`;
    // Only a compile is the schema's own cost; a slow validation says nothing about the next value.
    if (p.job.value === undefined) this.remember(p.key, message);
    p.reject(new InvalidSchemaError(message));
    this.pump();
  }
}
