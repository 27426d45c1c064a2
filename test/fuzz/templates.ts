import fc from 'fast-check';
import { evaluatedSchema, HOSTILE_SCHEMA_EVALUATION, schema, toolArguments } from './schemas.js';
import { fromPlain, type JValue } from './values.js';

/** Ids of things the suite creates up front, so generated calls also hit existing records. */
export interface Known {
  keyId: string;
  adminId: string;
  useCase: string;
  prompt: string;
}

const plain = (v: unknown): fc.Arbitrary<JValue> => fc.constant(fromPlain(v));
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const compact = (o: Record<string, JValue | undefined>): JValue =>
  fromPlain(Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));

const chat: fc.Arbitrary<JValue> = fc
  .record({
    model: fc.constantFrom('gpt-4o', 'claude', 'text-embedding-3-small'),
    stream: opt(fc.boolean()),
    tools: opt(
      schema.map((s) => fromPlain([{ type: 'function', function: { name: 'get_weather', parameters: s } }])),
    ),
    response_format: opt(
      fc.oneof(
        plain({ type: 'json_object' }),
        schema.map((s) =>
          fromPlain({ type: 'json_schema', json_schema: { name: 'r', schema: s, strict: true } }),
        ),
      ),
    ),
    n: opt(fc.constantFrom(1, 2)),
  })
  .map((r) =>
    compact({
      model: r.model,
      messages: fromPlain([{ role: 'user', content: 'What is the weather in Oslo?' }]),
      max_tokens: 16,
      stream: r.stream,
      stream_options: r.stream ? fromPlain({ include_usage: true }) : undefined,
      tools: r.tools,
      response_format: r.response_format,
      n: r.n,
    }),
  );

const messages: fc.Arbitrary<JValue> = fc
  .record({
    model: fc.constantFrom('claude', 'gpt-4o'),
    stream: opt(fc.boolean()),
    tools: opt(schema.map((s) => fromPlain([{ name: 'get_weather', input_schema: s }]))),
    system: opt(fc.constantFrom('Be brief.', '')),
  })
  .map((r) =>
    compact({
      model: r.model,
      max_tokens: 16,
      messages: fromPlain([{ role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] }]),
      stream: r.stream,
      tools: r.tools,
      system: r.system,
    }),
  );

const responses: fc.Arbitrary<JValue> = fc
  .record({
    model: fc.constantFrom('gpt-4o', 'claude'),
    stream: opt(fc.boolean()),
    store: opt(fc.boolean()),
    tools: opt(schema.map((s) => fromPlain([{ type: 'function', name: 'get_weather', parameters: s }]))),
    text: opt(
      fc.oneof(
        plain({ format: { type: 'json_object' } }),
        schema.map((s) => fromPlain({ format: { type: 'json_schema', name: 'r', schema: s, strict: true } })),
      ),
    ),
    input: fc.constantFrom<unknown>('Weather in Oslo?', [
      { role: 'user', content: [{ type: 'input_text', text: 'Weather in Oslo?' }] },
      { type: 'function_call', call_id: 'c1', name: 'get_weather', arguments: '{}' },
      { type: 'function_call_output', call_id: 'c1', output: 'sunny' },
    ]),
  })
  .map((r) =>
    compact({
      model: r.model,
      input: fromPlain(r.input),
      instructions: fromPlain('Be brief.'),
      max_output_tokens: 16,
      stream: r.stream,
      store: r.store,
      tools: r.tools,
      text: r.text,
    }),
  );

/** A valid (or nearly valid) body per route, as the starting point for mutations. */
export function templates(known: Known): Record<string, fc.Arbitrary<JValue>> {
  return {
    'POST /v1/chat/completions': chat,
    'POST /v1/messages': messages,
    'POST /v1/responses': responses,
    'POST /v1/messages/count_tokens': messages,
    'POST /v1/embeddings': fc
      .constantFrom<unknown>('hello', ['a', 'b'], [1, 2, 3], [[1, 2]])
      .chain((input) =>
        fc.constantFrom(
          fromPlain({ model: 'text-embedding-3-small', input }),
          fromPlain({ model: 'text-embedding-3-small', input, encoding_format: 'base64', dimensions: 8 }),
        ),
      ),
    'POST /v1/outcomes': plain({
      trace_id: 'task-1',
      type: 'resolved',
      success: true,
      use_case: known.useCase,
      metadata: { ticket: 42 },
    }),
    'POST /v1/feedback': plain({ request_id: 'req_0', score: 4, comment: 'good' }),
    'POST /api/keys': plain({
      name: 'fuzzed',
      models: ['gpt-4o*'],
      tools: ['get_weather'],
      mcp_servers: ['fs'],
      mcp_tools: ['crm__read_*'],
      use_cases: [known.useCase],
      team: 'cx',
      rpm: 60,
      tpm: 10_000,
      max_tokens: 1024,
      budget_usd: 5,
      budget_period: 'day',
      expires_at: '2999-01-01T00:00:00Z',
      allowed_cidrs: ['10.0.0.0/8'],
    }),
    'PATCH /api/keys/:id': plain({ rpm: 30, team: null, models: ['claude'] }),
    'POST /api/keys/:id/rotate': plain({ grace_s: 120 }),
    'POST /api/admins': plain({ name: 'alice', role: 'viewer' }),
    'POST /api/use-cases': plain({
      id: 'triage',
      name: 'Ticket triage',
      value_per_outcome_usd: 1.5,
      monthly_budget_usd: 40,
      tags: ['cx'],
    }),
    'PATCH /api/use-cases/:id': plain({ stage: 'production', reason: 'pilot passed', owner: 'cx' }),
    'POST /api/datasets': plain({ name: 'faq', path: '/etc/hostname', owner: 'team:support' }),
    'POST /api/datasets/:name/check': plain({
      version: '1',
      contract: 'name: faq\ncolumns: { views: { type: integer, max: 5 } }',
    }),
    'POST /api/datasets/drift': plain({ reference: 'faq@1', current: 'faq@2', method: 'psi' }),
    'POST /api/prompts': plain({
      name: 'answer-faq',
      template: 'Answer {{question}} using {{context}}',
      model: 'gpt-4o',
      use_case: known.useCase,
      datasets: ['faq@1'],
    }),
    'POST /api/lineage/edges': plain({
      from: 'use_case:support',
      to: 'output:support',
      relation: 'produces',
    }),
    'DELETE /api/lineage/edges': plain({
      from: 'use_case:support',
      to: 'output:support',
      relation: 'produces',
    }),
    'POST /api/data/validate-output': fc
      .tuple(evaluatedSchema, HOSTILE_SCHEMA_EVALUATION ? toolArguments : fc.constant('{"city":"Oslo"}'))
      .map(([s, output]) => fromPlain({ schema: s, output })),
    'POST /api/data/monitors/:useCase/pin': plain({ version: 1 }),
    'POST /api/alerts/:id/ack': plain({ note: 'seen' }),
    'POST /api/mcp/approvals/:id': plain({ decision: 'deny', reason: 'seen' }),
  };
}

/** Query parameters the API reads somewhere, plus room for ones it does not. */
export const QUERY_NAMES = [
  'from',
  'to',
  'by',
  'granularity',
  'use_case',
  'key_id',
  'limit',
  'since',
  'stage',
  'state',
  'scope',
  'node',
  'depth',
  'format',
  'include_revoked',
  'model',
  'status',
  'top',
  'cursor',
  'before',
  'after',
];
