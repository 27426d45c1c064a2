import { InvalidSchemaError, type SchemaPool } from '../../schemas/index.js';
import type { Contract } from './schema.js';

/**
 * Validation of structured model outputs: does a response that was asked for JSON matching a
 * schema (`response_format: {type: 'json_schema'}`) actually parse and conform? Schemas go through
 * the schema threads (src/schemas/pool.ts: linear-time regexes, size and recursion limits, a time
 * limit, off the event loop), so the per-response cost on the caller's thread is one round trip.
 */

interface OutputError {
  /** JSON Pointer into the output ('' = the whole document). */
  path: string;
  message: string;
}

interface OutputValidation {
  valid: boolean;
  errors: OutputError[];
}

/** A reusable checker for one schema: what the pipeline holds per use case. */
export function compileOutputValidator(
  schemas: SchemaPool,
  schema: object | string,
): (text: string) => Promise<OutputValidation> {
  return async (text: string) => {
    try {
      JSON.parse(text);
    } catch {
      return { valid: false, errors: [{ path: '', message: 'output is not valid JSON' }] };
    }
    try {
      const r = await schemas.validate(schema, '2020-12', text);
      return r.valid ? { valid: true, errors: [] } : { valid: false, errors: r.errors };
    } catch (e) {
      if (!(e instanceof InvalidSchemaError)) throw e;
      return { valid: false, errors: [{ path: '', message: `invalid schema: ${e.message}` }] };
    }
  };
}

/**
 * Does `text` parse as JSON and conform to `schema` (a JSON Schema object or its JSON text)?
 * Accepts OpenAI's `response_format.json_schema` wrapper ({name, schema, strict}) as well.
 */
export function validateOutput(
  schemas: SchemaPool,
  schema: object | string,
  text: string,
): Promise<OutputValidation> {
  const s =
    typeof schema === 'object' && schema !== null && 'schema' in schema && 'name' in schema
      ? (schema as { schema: object }).schema
      : schema;
  return compileOutputValidator(schemas, s)(text);
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
