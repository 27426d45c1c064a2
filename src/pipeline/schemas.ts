import type { ChatRequest } from '../canonical/types.js';
import { KeelError } from '../errors.js';
import { InvalidSchemaError, type SchemaPool } from '../schemas/index.js';

/**
 * Admission check of every JSON Schema the caller sent (tool parameters, the structured-output
 * schema): an unsafe or invalid one is refused with a 400 naming it, before any budget is
 * reserved or any upstream is called, so it costs nothing and never reaches a validator later.
 * The work runs in the schema pool's threads (src/schemas/pool.ts), not on the event loop; a
 * verdict is cached by hash, so a repeated schema costs a hash.
 */
export async function checkRequestSchemas(
  req: ChatRequest,
  shape: 'openai' | 'anthropic' | 'responses',
  schemas: SchemaPool,
): Promise<void> {
  const checks: Array<Promise<void>> = [];
  const tools = req.tools ?? [];
  for (let i = 0; i < tools.length; i++) {
    const param =
      shape === 'anthropic'
        ? `tools.${i}.input_schema`
        : shape === 'responses'
          ? `tools[${i}].parameters`
          : `tools[${i}].function.parameters`;
    checks.push(check(schemas, tools[i]?.parameters, 'draft-07', param));
  }
  if (req.responseFormat?.type === 'json_schema') {
    const param =
      shape === 'anthropic'
        ? 'output_config.format.schema'
        : shape === 'responses'
          ? 'text.format.schema'
          : 'response_format.json_schema.schema';
    checks.push(check(schemas, req.responseFormat.schema, '2020-12', param));
  }
  // All settle before the first refusal (in request order) is thrown: none is left unobserved.
  const results = await Promise.allSettled(checks);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

async function check(
  schemas: SchemaPool,
  schema: unknown,
  dialect: '2020-12' | 'draft-07',
  param: string,
): Promise<void> {
  try {
    await schemas.check(schema, dialect);
  } catch (e) {
    if (!(e instanceof InvalidSchemaError)) throw e;
    throw new KeelError('invalid_request', `${param}: ${e.message}.`, { param });
  }
}
