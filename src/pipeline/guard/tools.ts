import type { ChatRequest, ChatResponse, ToolCall } from '../../canonical/types.js';
import type { GuardPolicy } from '../../config/guards.js';
import { InvalidSchemaError, type SchemaPool } from '../../schemas/index.js';
import type { OutputContext } from './output.js';

export interface ToolProblem {
  label: string;
  message: string;
}

/** What is wrong with the arguments of each tool call that has a problem. */
export type ArgumentProblems = Map<ToolCall, ToolProblem>;

/**
 * Excessive agency: a tool call must name a tool the request offered (and the policy allows).
 * Returns the problem, or null. Its arguments are checked apart (verifyToolArguments), since
 * validating them is a round trip to the schema threads.
 */
export function checkToolCall(call: ToolCall, req: ChatRequest, policy: GuardPolicy): ToolProblem | null {
  if (policy.tools.allowed && !policy.tools.allowed.includes(call.name))
    return {
      label: 'tools.not_allowed',
      message: `the model called \`${call.name}\`, which the guard policy does not allow.`,
    };
  if (req.tools && !req.tools.some((t) => t.name === call.name))
    return {
      label: 'tools.not_offered',
      message: `the model called \`${call.name}\`, which the request did not offer.`,
    };
  return null;
}

/**
 * The arguments of every tool call of a complete answer must be JSON that satisfies the tool's
 * schema; validated in the schema threads (src/schemas/pool.ts), all calls at once. Null when the
 * policy does not ask for it.
 */
export async function verifyToolArguments(
  res: ChatResponse,
  oc: OutputContext,
): Promise<ArgumentProblems | null> {
  const { policy, req, schemas } = oc;
  if (!schemas || !policy.tools.validate_arguments || policy.tools.action === 'off') return null;
  const problems: ArgumentProblems = new Map();
  const checks: Array<Promise<void>> = [];
  for (const choice of res.choices)
    for (const call of choice.message.toolCalls ?? []) {
      const tool = req.tools?.find((t) => t.name === call.name);
      if (!tool || checkToolCall(call, req, policy)) continue;
      checks.push(
        argumentProblem(call, tool.parameters, schemas).then((p) => {
          if (p) problems.set(call, p);
        }),
      );
    }
  await Promise.all(checks);
  return problems;
}

async function argumentProblem(
  call: ToolCall,
  schema: unknown,
  schemas: SchemaPool,
): Promise<ToolProblem | null> {
  const text = call.arguments || '{}';
  try {
    JSON.parse(text);
  } catch {
    return { label: 'tools.invalid_json', message: `the arguments of \`${call.name}\` are not valid JSON.` };
  }
  let result: Awaited<ReturnType<SchemaPool['validate']>>;
  try {
    // Admission compiled the schema in the same threads: this is a cache hit and one validation.
    result = await schemas.validate(schema, 'draft-07', text);
  } catch (e) {
    // A schema ajv cannot compile is the client's business; the call is not judged by it.
    if (e instanceof InvalidSchemaError) return null;
    throw e;
  }
  if (result.valid) return null;
  const first = result.errors[0];
  return {
    label: 'tools.schema_violation',
    message: `the arguments of \`${call.name}\` do not match its schema (${first?.path || '/'} ${first?.message ?? ''}).`,
  };
}

/**
 * `strip` with an allow-list removes what the policy does not allow from both ends: a call in the
 * answer (output.ts) and, here, the tool in the request, so the model is never offered it and answers
 * with what it may use instead of with a call that would be cut out. `block` leaves the request alone:
 * the operator asked for a refusal when such a call is made, not for a different request. A forced
 * `tool_choice` naming a removed tool becomes `auto`; a request left without tools goes without them.
 */
export function stripOfferedTools(req: ChatRequest, policy: GuardPolicy): string[] {
  const allowed = policy.tools.allowed;
  if (policy.tools.action !== 'strip' || !allowed || !req.tools) return [];
  const removed = req.tools.filter((t) => !allowed.includes(t.name)).map((t) => t.name);
  if (removed.length === 0) return [];
  req.tools = req.tools.filter((t) => allowed.includes(t.name));
  if (typeof req.toolChoice === 'object' && !allowed.includes(req.toolChoice.name)) req.toolChoice = 'auto';
  if (req.tools.length === 0) {
    delete req.tools;
    delete req.toolChoice;
    delete req.parallelToolCalls;
  }
  return removed;
}
