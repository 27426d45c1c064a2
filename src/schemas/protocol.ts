import { InvalidSchemaError, type SchemaCompiler, type SchemaDialect, type SchemaError } from './compiler.js';

/** Messages between the schema pool (pool.ts) and its worker threads (worker.ts). */

export type ValidationResult = { valid: true } | { valid: false; errors: SchemaError[] };

export type ToSchemaWorker =
  /** Check and compile `text` (a schema's JSON); `value`, when set, is JSON text to validate with it. */
  | { op: 'run'; id: number; text: string; dialect: SchemaDialect; value?: string }
  /** Finish the job in hand, then end: the thread is never terminated (see pool.ts). */
  | { op: 'exit' };

export type FromSchemaWorker =
  /** Loaded, meta-schemas compiled: jobs are timed from now on. */
  { ready: true } | JobReply;

export type JobReply =
  | { id: number; ok: true; result?: ValidationResult }
  /** The schema was refused: InvalidSchemaError's message. */
  | { id: number; ok: false; invalid: string }
  /** Anything else went wrong. */
  | { id: number; ok: false; error: string };

export type SchemaJob = Extract<ToSchemaWorker, { op: 'run' }>;

/** One job on `compiler`: in a worker thread, or in-process where no worker script exists. */
export function runJob(compiler: SchemaCompiler, m: SchemaJob): JobReply {
  try {
    const fn = compiler.compile(m.text, m.dialect);
    if (m.value === undefined) return { id: m.id, ok: true };
    let value: unknown;
    try {
      value = JSON.parse(m.value);
    } catch {
      return {
        id: m.id,
        ok: true,
        result: { valid: false, errors: [{ path: '', message: 'not valid JSON' }] },
      };
    }
    return { id: m.id, ok: true, result: fn.validate(value) };
  } catch (e) {
    if (e instanceof InvalidSchemaError) return { id: m.id, ok: false, invalid: e.message };
    return { id: m.id, ok: false, error: (e as Error).message };
  }
}
