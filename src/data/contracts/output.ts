import { InvalidSchemaError, type SchemaCompiler } from '../../schemas/index.js';
import type { Contract } from './schema.js';

/**
 * Validation of structured model outputs: does a response that was asked for JSON matching a
 * schema (`response_format: {type: 'json_schema'}`) actually parse and conform? Schemas go through
 * the bounded compiler (src/schemas: linear-time regexes, size and recursion limits, its own LRU),
 * so the per-response cost is one JSON.parse and one compiled check.
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
  schemas: SchemaCompiler,
  schema: object | string,
): (text: string) => OutputValidation {
  let fn: ReturnType<SchemaCompiler['compile']>;
  try {
    fn = schemas.compile(schema, '2020-12');
  } catch (e) {
    if (!(e instanceof InvalidSchemaError)) throw e;
    const msg = `invalid schema: ${e.message}`;
    return () => ({ valid: false, errors: [{ path: '', message: msg }] });
  }
  return (text: string) => {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return { valid: false, errors: [{ path: '', message: 'output is not valid JSON' }] };
    }
    const r = fn.validate(doc);
    return r.valid ? { valid: true, errors: [] } : { valid: false, errors: r.errors };
  };
}

/**
 * Does `text` parse as JSON and conform to `schema` (a JSON Schema object or its JSON text)?
 * Accepts OpenAI's `response_format.json_schema` wrapper ({name, schema, strict}) as well.
 */
export function validateOutput(
  schemas: SchemaCompiler,
  schema: object | string,
  text: string,
): OutputValidation {
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
