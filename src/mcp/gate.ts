import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { McpRefusal, type ToolCall, type ToolCallOutcome, type ToolCallStages } from './types.js';

/** Bytes of a result as the agent receives it (JSON), for accounting. */
export function resultBytes(result: CallToolResult): number {
  return Buffer.byteLength(JSON.stringify(result));
}

/**
 * One tools/call, top to bottom: scope and argument constraints, rate limit, argument screening,
 * approval, the upstream call, result screening; recorded exactly once whatever happens.
 * Refusals reach the agent as JSON-RPC errors; the tool's own errors (`isError`) pass through.
 */
export async function runToolCall(
  stages: ToolCallStages,
  call: ToolCall,
  upstream: (call: ToolCall) => Promise<CallToolResult>,
): Promise<CallToolResult> {
  let outcome: ToolCallOutcome;
  try {
    stages.authorize(call);
    await stages.rateLimit(call);
    await stages.screenArguments(call);
    await stages.approve(call);
  } catch (err) {
    outcome = { kind: 'refused', refusal: asRefusal(err, 'The call could not be checked.') };
    stages.record(call, outcome);
    throw outcome.refusal;
  }
  let raw: CallToolResult;
  try {
    raw = await upstream(call);
  } catch (err) {
    outcome = { kind: 'failed', refusal: asRefusal(err, 'The tool server failed to answer.') };
    stages.record(call, outcome);
    throw outcome.refusal;
  }
  let result: CallToolResult;
  try {
    result = await stages.screenResult(call, raw);
  } catch (err) {
    outcome = { kind: 'refused', refusal: asRefusal(err, 'The tool result could not be screened.') };
    stages.record(call, outcome);
    throw outcome.refusal;
  }
  const bytes = resultBytes(result);
  stages.record(
    call,
    result.isError
      ? { kind: 'tool_error', result, resultBytes: bytes }
      : { kind: 'ok', result, resultBytes: bytes },
  );
  return result;
}

function asRefusal(err: unknown, message: string): McpRefusal {
  return err instanceof McpRefusal ? err : new McpRefusal('upstream_error', message);
}

/** Every stage lets everything through: for the gateway's own tests and when composing partially. */
export function openStages(overrides: Partial<ToolCallStages> = {}): ToolCallStages {
  return {
    visible: () => true,
    visibleServer: () => true,
    authorize: () => {},
    rateLimit: async () => {},
    screenArguments: async () => {},
    approve: async () => {},
    screenResult: async (_call, result) => result,
    record: () => {},
    ...overrides,
  };
}
