import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import {
  checkSchemaLimits,
  DEFAULT_SCHEMA_LIMITS,
  exceedsDepth,
  type SchemaLimits,
  SchemaRejected,
} from './analyze.js';
import { compileSafeRegex, UnsafePatternError } from './regex.js';
import { installLinearUniqueItems } from './unique.js';

type RegExpEngine = NonNullable<NonNullable<Options['code']>['regExp']>;

/**
 * Compiles caller-supplied JSON Schemas with bounded work: static limits first (analyze.ts), then
 * ajv with RE2JS as its regex engine (regex.ts), then validation that refuses instances nested
 * deeper than the schema analysis covered. One instance per schema thread (worker.ts, run by the
 * pool in pool.ts), holding a bounded LRU of compiled schemas keyed by a hash of their JSON text.
 */

/** `draft-07` for tool parameters (what OpenAI and Anthropic document), `2020-12` with formats for outputs. */
export type SchemaDialect = 'draft-07' | '2020-12';

export interface SchemaError {
  /** JSON Pointer into the instance ('' = the whole value). */
  path: string;
  message: string;
}

export interface CompiledSchema {
  /** Validate a parsed value; never throws. */
  validate(value: unknown): { valid: true } | { valid: false; errors: SchemaError[] };
}

export interface SchemaCompilerOptions extends SchemaLimits {
  /** Schemas kept, checked or compiled. */
  cacheSize: number;
  /** And at most this much schema JSON text among them (schemas up to maxBytes each add up). */
  cacheBytes: number;
}

export const DEFAULT_SCHEMA_COMPILER_OPTIONS: SchemaCompilerOptions = {
  ...DEFAULT_SCHEMA_LIMITS,
  cacheSize: 1000,
  cacheBytes: 16 * 1024 * 1024,
};

/** Why a schema was refused, in words a caller can act on. */
export class InvalidSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSchemaError';
  }
}

const MAX_ERRORS = 10;

function toErrors(errs: ErrorObject[] | null | undefined): SchemaError[] {
  return (errs ?? []).slice(0, MAX_ERRORS).map((e) => ({
    path: e.instancePath,
    message:
      e.keyword === 'additionalProperties'
        ? `unexpected property "${String((e.params as { additionalProperty?: string }).additionalProperty)}"`
        : (e.message ?? e.keyword),
  }));
}

/** A schema that passed the limits; `body` is what ajv compiles, `fn` once it has been compiled. */
interface Checked {
  body: unknown;
  fn: CompiledSchema | null;
}
type Entry = Checked | InvalidSchemaError;

export class SchemaCompiler {
  private readonly cache = new Map<string, { entry: Entry; bytes: number }>();
  private cachedBytes = 0;
  private readonly ajvs = new Map<SchemaDialect, Ajv>();
  readonly options: SchemaCompilerOptions;

  constructor(options: Partial<SchemaCompilerOptions> = {}) {
    this.options = { ...DEFAULT_SCHEMA_COMPILER_OPTIONS, ...options };
  }

  /** Schemas held (for tests and metrics). */
  get size(): number {
    return this.cache.size;
  }

  /** Schema JSON text held, in characters. */
  get bytes(): number {
    return this.cachedBytes;
  }

  /**
   * The admission check: limits, regexes and the dialect's meta-schema, all linear in the size
   * of the schema. Throws InvalidSchemaError. Cached, like compile().
   */
  check(schema: unknown, dialect: SchemaDialect = 'draft-07'): void {
    this.entry(schema, dialect);
  }

  /** Check, then compile (or fetch from the cache). Throws InvalidSchemaError. */
  compile(schema: unknown, dialect: SchemaDialect = 'draft-07'): CompiledSchema {
    const e = this.entry(schema, dialect);
    if (!e.fn) e.fn = this.build(e.body, dialect);
    return e.fn;
  }

  private entry(schema: unknown, dialect: SchemaDialect): Checked {
    const text = typeof schema === 'string' ? schema : JSON.stringify(schema ?? null);
    const key = createHash('sha256').update(dialect).update('\0').update(text).digest('base64');
    let held = this.cache.get(key);
    if (held !== undefined) this.cache.delete(key);
    else {
      const entry = this.checkText(text, typeof schema === 'string' ? undefined : schema, dialect);
      held = { entry, bytes: entry instanceof InvalidSchemaError ? entry.message.length : text.length };
      this.cachedBytes += held.bytes;
    }
    this.cache.set(key, held);
    const { cacheSize, cacheBytes } = this.options;
    while (this.cache.size > 1 && (this.cache.size > cacheSize || this.cachedBytes > cacheBytes)) {
      const [oldest, old] = this.cache.entries().next().value as [string, { bytes: number }];
      this.cache.delete(oldest);
      this.cachedBytes -= old.bytes;
    }
    if (held.entry instanceof InvalidSchemaError) throw held.entry;
    return held.entry;
  }

  private checkText(text: string, parsed: unknown, dialect: SchemaDialect): Entry {
    const o = this.options;
    if (text.length > o.maxBytes)
      return new InvalidSchemaError(
        `the schema is ${text.length} bytes long; at most ${o.maxBytes} are accepted`,
      );
    let schema = parsed;
    if (schema === undefined) {
      try {
        schema = JSON.parse(text);
      } catch {
        return new InvalidSchemaError('the schema is not valid JSON');
      }
    }
    try {
      checkSchemaLimits(schema, text.length, o);
    } catch (e) {
      if (e instanceof SchemaRejected) return new InvalidSchemaError(e.message);
      throw e;
    }
    let body: unknown = schema;
    if (typeof schema === 'object' && schema !== null) {
      // $id/$schema from third-party schemas would collide in ajv's registry or pin another draft.
      const { $id: _id, $schema: _s, ...rest } = schema as Record<string, unknown>;
      body = rest;
    }
    const ajv = this.ajvFor(dialect);
    if (!ajv.validateSchema(body as object))
      return new InvalidSchemaError(
        `the schema is invalid: ${ajv.errorsText(ajv.errors, { dataVar: 'schema' })}`,
      );
    return { body, fn: null };
  }

  private build(body: unknown, dialect: SchemaDialect): CompiledSchema {
    const ajv = this.ajvFor(dialect);
    let fn: ValidateFunction;
    try {
      fn = ajv.compile(body as object);
    } catch (e) {
      if (e instanceof UnsafePatternError)
        throw new InvalidSchemaError(`pattern ${JSON.stringify(e.pattern.slice(0, 200))}: ${e.message}`);
      throw new InvalidSchemaError(`the schema does not compile: ${(e as Error).message}`);
    } finally {
      // ajv keeps every compiled schema object in its own registry; the LRU here is the only cache.
      ajv.removeSchema(body as object);
    }
    const maxDepth = this.options.maxInstanceDepth;
    return {
      validate(value) {
        if (exceedsDepth(value, maxDepth))
          return {
            valid: false,
            errors: [{ path: '', message: `nested more than ${maxDepth} levels deep` }],
          };
        try {
          return fn(value) ? { valid: true } : { valid: false, errors: toErrors(fn.errors) };
        } catch (e) {
          // The analysis should make this unreachable; a stack overflow still must not become a 500.
          return {
            valid: false,
            errors: [{ path: '', message: `validation failed: ${(e as Error).message}` }],
          };
        }
      },
    };
  }

  private ajvFor(dialect: SchemaDialect): Ajv {
    let ajv = this.ajvs.get(dialect);
    if (ajv) return ajv;
    const maxPattern = this.options.maxPatternLength;
    const regExp = ((pattern: string, flags: string) =>
      compileSafeRegex(pattern, flags, maxPattern)) as unknown as RegExpEngine;
    regExp.code = 'keelSafeRegex';
    // ajv's code optimiser is superlinear: 1900 properties took 5 s to compile with it, 0.6 s without.
    const opts: Options = { strict: false, logger: false, code: { regExp, optimize: false } };
    if (dialect === '2020-12') {
      ajv = new Ajv2020({ ...opts, allErrors: true, validateFormats: true }) as unknown as Ajv;
      (addFormats as unknown as (a: Ajv) => void)(ajv);
    } else ajv = new Ajv({ ...opts, allErrors: false });
    installLinearUniqueItems(ajv);
    this.ajvs.set(dialect, ajv);
    return ajv;
  }
}
