import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Contract } from './schema.js';

/**
 * Validation of structured model outputs: does a response that was asked for JSON matching a
 * schema (`response_format: {type: 'json_schema'}`) actually parse and conform? Schemas are
 * compiled once and cached by their JSON text (bounded LRU), so the per-response cost is one
 * JSON.parse and one compiled check.
 */

export interface OutputError {
  /** JSON Pointer into the output ('' = the whole document). */
  path: string;
  message: string;
}

export interface OutputValidation {
  valid: boolean;
  errors: OutputError[];
}

const MAX_CACHED = 256;
const MAX_ERRORS = 10;

const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);

const cache = new Map<string, ValidateFunction>();

function compile(schema: object | string): ValidateFunction {
  const key = typeof schema === 'string' ? schema : JSON.stringify(schema);
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const parsed = typeof schema === 'string' ? (JSON.parse(schema) as object) : schema;
  // $id/$schema from third-party schemas would collide in ajv's registry or pin another draft.
  const { $id: _id, $schema: _s, ...body } = parsed as Record<string, unknown>;
  const fn = ajv.compile(body);
  cache.set(key, fn);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  return fn;
}

function toErrors(errs: ErrorObject[] | null | undefined): OutputError[] {
  return (errs ?? []).slice(0, MAX_ERRORS).map((e) => ({
    path: e.instancePath,
    message:
      e.keyword === 'additionalProperties'
        ? `unexpected property "${String((e.params as { additionalProperty?: string }).additionalProperty)}"`
        : (e.message ?? e.keyword),
  }));
}

/** A reusable checker for one schema: what the pipeline holds per use case. */
export function compileOutputValidator(schema: object | string): (text: string) => OutputValidation {
  let fn: ValidateFunction;
  try {
    fn = compile(schema);
  } catch (e) {
    const msg = `invalid schema: ${(e as Error).message}`;
    return () => ({ valid: false, errors: [{ path: '', message: msg }] });
  }
  return (text: string) => {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return { valid: false, errors: [{ path: '', message: 'output is not valid JSON' }] };
    }
    return fn(doc) ? { valid: true, errors: [] } : { valid: false, errors: toErrors(fn.errors) };
  };
}

/**
 * Does `text` parse as JSON and conform to `schema` (a JSON Schema object or its JSON text)?
 * Accepts OpenAI's `response_format.json_schema` wrapper ({name, schema, strict}) as well.
 */
export function validateOutput(schema: object | string, text: string): OutputValidation {
  const s =
    typeof schema === 'object' && schema !== null && 'schema' in schema && 'name' in schema
      ? (schema as { schema: object }).schema
      : schema;
  return compileOutputValidator(s)(text);
}

/** The JSON Schema of one output record described with the contract's column rules. */
export function contractToJsonSchema(contract: Contract): object {
  const properties: Record<string, object> = {};
  const required: string[] = [];
  for (const c of contract.columns) {
    const t: Record<string, unknown> = {};
    const base =
      c.type === 'number'
        ? 'number'
        : c.type === 'integer'
          ? 'integer'
          : c.type === 'boolean'
            ? 'boolean'
            : c.type === 'any'
              ? undefined
              : 'string';
    if (base) t.type = c.nullable ? [base, 'null'] : base;
    if (c.type === 'date') t.format = 'date';
    if (c.type === 'datetime') t.format = 'date-time';
    if (c.allowed) t.enum = c.nullable ? [...c.allowed, null] : c.allowed;
    if (c.min !== undefined) t.minimum = c.min;
    if (c.max !== undefined) t.maximum = c.max;
    if (c.regex !== undefined) t.pattern = c.regex;
    if (c.min_length !== undefined) t.minLength = c.min_length;
    if (c.max_length !== undefined) t.maxLength = c.max_length;
    properties[c.name] = t;
    if (c.required) required.push(c.name);
  }
  return {
    type: 'object',
    properties,
    required,
    additionalProperties: contract.rules.unknown_columns !== 'fail',
  };
}

/** Counts conforming and violating outputs (per use case), for the monitors' violation rate. */
export class OutputViolationCounter {
  total = 0;
  violations = 0;

  record(v: OutputValidation): void {
    this.total++;
    if (!v.valid) this.violations++;
  }

  get rate(): number {
    return this.total ? this.violations / this.total : 0;
  }
}
