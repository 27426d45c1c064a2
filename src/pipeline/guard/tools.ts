import { createHash } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import type { ChatRequest, ToolCall } from '../../canonical/types.js';
import type { GuardPolicy } from './config.js';

const ajv = new Ajv({ allErrors: false, strict: false });
const compiled = new Map<string, ValidateFunction | null>();
const MAX_COMPILED = 500;

function validatorFor(schema: object): ValidateFunction | null {
  const key = createHash('sha256').update(JSON.stringify(schema)).digest('hex');
  let v: ValidateFunction | null | undefined = compiled.get(key);
  if (v === undefined) {
    try {
      v = ajv.compile(schema);
    } catch {
      // A schema ajv cannot compile is the client's business; the call is not judged by it.
      v = null;
    }
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(key, v);
  }
  return v;
}

/**
 * Excessive agency: a tool call must name a tool the request offered (and the policy allows), and
 * its arguments must be JSON that satisfies the tool's schema. Returns the problem, or null.
 */
export function checkToolCall(
  call: ToolCall,
  req: ChatRequest,
  policy: GuardPolicy,
  checkArguments = true,
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
  if (!checkArguments || !policy.tools.validate_arguments || !tool) return null;
  let args: unknown;
  try {
    args = JSON.parse(call.arguments || '{}');
  } catch {
    return { label: 'tools.invalid_json', message: `the arguments of \`${call.name}\` are not valid JSON.` };
  }
  const validate = validatorFor(tool.parameters);
  if (validate && !validate(args)) {
    const first = validate.errors?.[0];
    return {
      label: 'tools.schema_violation',
      message: `the arguments of \`${call.name}\` do not match its schema (${first?.instancePath || '/'} ${first?.message ?? ''}).`,
    };
  }
  return null;
}
