import type { ChatRequest } from '../canonical/types.js';
import { KeelError } from '../errors.js';
import { InvalidSchemaError, type SchemaCompiler } from '../schemas/index.js';

/**
 * Admission check of every JSON Schema the caller sent (tool parameters, the structured-output
 * schema): an unsafe or invalid one is refused with a 400 naming it, before any budget is
 * reserved or any upstream is called, so it costs nothing and never reaches a validator later.
 * The check is linear in the schema's size and cached by hash, so repeated schemas cost a hash.
 */
export function checkRequestSchemas(
  req: ChatRequest,
  shape: 'openai' | 'anthropic',
  schemas: SchemaCompiler,
): void {
  const tools = req.tools ?? [];
  for (let i = 0; i < tools.length; i++) {
    const param = shape === 'anthropic' ? `tools.${i}.input_schema` : `tools[${i}].function.parameters`;
    check(schemas, tools[i]?.parameters, 'draft-07', param);
  }
  if (req.responseFormat?.type === 'json_schema') {
    const param =
      shape === 'anthropic' ? 'output_config.format.schema' : 'response_format.json_schema.schema';
    check(schemas, req.responseFormat.schema, '2020-12', param);
  }
}

function check(
  schemas: SchemaCompiler,
  schema: unknown,
  dialect: '2020-12' | 'draft-07',
  param: string,
): void {
  try {
    schemas.check(schema, dialect);
  } catch (e) {
    if (!(e instanceof InvalidSchemaError)) throw e;
    throw new KeelError('invalid_request', `${param}: ${e.message}.`, { param });
  }
}
