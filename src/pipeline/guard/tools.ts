import type { ChatRequest, ToolCall } from '../../canonical/types.js';
import type { GuardPolicy } from '../../config/guards.js';
import { InvalidSchemaError, type SchemaCompiler } from '../../schemas/index.js';

/**
 * Excessive agency: a tool call must name a tool the request offered (and the policy allows), and
 * its arguments must be JSON that satisfies the tool's schema. Returns the problem, or null.
 * `schemas` is the bounded compiler (src/schemas); null checks names only (a stream's tool call
 * before its arguments have arrived).
 */
export function checkToolCall(
  call: ToolCall,
  req: ChatRequest,
  policy: GuardPolicy,
  schemas: SchemaCompiler | null,
): { label: string; message: string } | null {
  if (policy.tools.allowed && !policy.tools.allowed.includes(call.name))
    return {
      label: 'tools.not_allowed',
      message: `the model called \`${call.name}\`, which the guard policy does not allow.`,
    };
  const tool = req.tools?.find((t) => t.name === call.name);
  if (req.tools && !tool)
    return {
      label: 'tools.not_offered',
      message: `the model called \`${call.name}\`, which the request did not offer.`,
    };
  if (!schemas || !policy.tools.validate_arguments || !tool) return null;
  let args: unknown;
  try {
    args = JSON.parse(call.arguments || '{}');
  } catch {
    return { label: 'tools.invalid_json', message: `the arguments of \`${call.name}\` are not valid JSON.` };
  }
  let result: ReturnType<ReturnType<SchemaCompiler['compile']>['validate']>;
  try {
    // Admission already refused unsafe schemas; this is a cache hit for the check, one compile.
    result = schemas.compile(tool.parameters).validate(args);
  } catch (e) {
    // A schema ajv cannot compile is the client's business; the call is not judged by it.
    if (e instanceof InvalidSchemaError) return null;
    throw e;
  }
  if (!result.valid) {
    const first = result.errors[0];
    return {
      label: 'tools.schema_violation',
      message: `the arguments of \`${call.name}\` do not match its schema (${first?.path || '/'} ${first?.message ?? ''}).`,
    };
  }
  return null;
}
