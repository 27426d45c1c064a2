import { describe, expect, it } from 'vitest';
import { NEVER_CANCELLED } from '../../canonical/cancel.js';
import type { ChatRequest, JsonObject, JsonValue } from '../../canonical/types.js';
import { Mulberry32 } from '../../prng.js';
import { understand } from './compose.js';
import { createSimulatorProvider } from './index.js';
import { valueForSchema } from './schema-values.js';

/**
 * A deliberately independent mini JSON-schema checker for the tests (types, required, properties,
 * items, enum, const, bounds), so conformance is not judged by the generator's own logic.
 */
function schemaErrors(value: JsonValue, schema: JsonObject, root: JsonObject = schema, path = '$'): string[] {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').pop() ?? '';
    const defs = (root.$defs ?? root.definitions) as JsonObject | undefined;
    return schemaErrors(value, (defs?.[name] as JsonObject) ?? {}, root, path);
  }
  const errs: string[] = [];
  if (schema.const !== undefined && JSON.stringify(value) !== JSON.stringify(schema.const))
    errs.push(`${path}: const`);
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value)))
    errs.push(`${path}: not in enum`);
  if (Array.isArray(schema.anyOf)) {
    const ok = schema.anyOf.some((s) => schemaErrors(value, s as JsonObject, root, path).length === 0);
    if (!ok) errs.push(`${path}: matches no anyOf branch`);
    return errs;
  }
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length > 0 && !types.some((t) => hasType(value, String(t))))
    errs.push(`${path}: expected ${types.join('|')}`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errs.push(`${path}: below minimum`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errs.push(`${path}: above maximum`);
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength)
      errs.push(`${path}: too short`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength)
      errs.push(`${path}: too long`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      errs.push(`${path}: too few items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      errs.push(`${path}: too many items`);
    if (schema.items && typeof schema.items === 'object')
      value.forEach((v, i) => {
        errs.push(...schemaErrors(v, schema.items as JsonObject, root, `${path}[${i}]`));
      });
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const props = (schema.properties ?? {}) as JsonObject;
    for (const r of (schema.required ?? []) as string[])
      if (!(r in value)) errs.push(`${path}.${r}: missing`);
    for (const [k, v] of Object.entries(value)) {
      const sub = props[k];
      if (sub) errs.push(...schemaErrors(v, sub as JsonObject, root, `${path}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${path}.${k}: not allowed`);
    }
  }
  return errs;
}

function hasType(v: JsonValue, t: string): boolean {
  switch (t) {
    case 'null':
      return v === null;
    case 'array':
      return Array.isArray(v);
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    default:
      return typeof v === t;
  }
}

const sim = createSimulatorProvider(
  {
    id: 'sim',
    kind: 'simulator',
    headers: {},
    max_connections: 8,
    allow_link_local: false,
    simulator: { latency_ms: 0, tokens_per_second: 0, answer_tokens: 60, embedding_dimensions: 64 },
  },
  { now: () => 1_700_000_000_000 },
);
const call = () => ({ model: 'gpt-4o-mini', signal: NEVER_CANCELLED });

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: {
    type: 'object',
    properties: {
      city: { type: 'string' },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      days: { type: 'integer', minimum: 1, maximum: 7 },
    },
    required: ['city', 'unit', 'days'],
    additionalProperties: false,
  },
} as const;

const RICH_SCHEMA: JsonObject = {
  type: 'object',
  properties: {
    title: { type: 'string', minLength: 3, maxLength: 40 },
    score: { type: 'number', minimum: 0, maximum: 1 },
    count: { type: 'integer', exclusiveMinimum: 10, maximum: 12 },
    done: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 4 },
    status: { enum: ['open', 'closed'] },
    kind: { const: 'report' },
    note: { type: ['string', 'null'] },
    when: { type: 'string', format: 'date-time' },
    owner: { $ref: '#/$defs/person' },
    maybe: { anyOf: [{ type: 'null' }, { type: 'integer', minimum: 5, maximum: 5 }] },
    nested: {
      type: 'object',
      properties: { items: { type: 'array', items: { $ref: '#/$defs/person' } } },
      required: ['items'],
      additionalProperties: false,
    },
  },
  required: [
    'title',
    'score',
    'count',
    'done',
    'tags',
    'status',
    'kind',
    'note',
    'when',
    'owner',
    'maybe',
    'nested',
  ],
  additionalProperties: false,
  $defs: {
    person: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        email: { type: 'string', format: 'email' },
        age: { type: 'integer' },
      },
      required: ['name', 'email', 'age'],
    },
  },
};

describe('valueForSchema', () => {
  it('produces values that conform to a rich schema for many seeds', () => {
    const u = understand('Please file a report about the Berlin outage');
    for (let seed = 0; seed < 200; seed++) {
      const v = valueForSchema(RICH_SCHEMA, new Mulberry32(seed), u, { allProperties: seed % 2 === 0 });
      expect(schemaErrors(v, RICH_SCHEMA)).toEqual([]);
    }
  });

  it('uses words from the question for string arguments', () => {
    const u = understand("What's the weather like in Lisbon this weekend?");
    const v = valueForSchema(weatherTool.parameters as unknown as JsonObject, new Mulberry32(1), u, {
      allProperties: false,
    });
    expect(v).toMatchObject({ city: 'Lisbon' });
  });
});

describe('simulator tools and structured output', () => {
  const ask = (over: Partial<ChatRequest>): ChatRequest => ({
    model: 'm',
    stream: false,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'What is the weather in Paris?' }] }],
    ...over,
  });

  it('calls the first tool with arguments that satisfy its schema', async () => {
    const res = await sim.chat(
      ask({ tools: [weatherTool as never, { name: 'other', parameters: { type: 'object' } }] }),
      call(),
    );
    const c = res.choices[0]!;
    expect(c.finishReason).toBe('tool_calls');
    expect(c.message.content).toBeNull();
    expect(c.message.toolCalls).toHaveLength(1);
    const tc = c.message.toolCalls![0]!;
    expect(tc.name).toBe('get_weather');
    expect(tc.id).toMatch(/^call_/);
    const args = JSON.parse(tc.arguments) as JsonValue;
    expect(schemaErrors(args, weatherTool.parameters as unknown as JsonObject)).toEqual([]);
    expect(args).toMatchObject({ city: 'Paris' });
  });

  it('honours a named tool choice and tool_choice none', async () => {
    const tools = [
      weatherTool as never,
      {
        name: 'lookup',
        parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
      },
    ];
    const named = await sim.chat(ask({ tools, toolChoice: { name: 'lookup' } }), call());
    expect(named.choices[0]!.message.toolCalls![0]!.name).toBe('lookup');
    expect(JSON.parse(named.choices[0]!.message.toolCalls![0]!.arguments)).toHaveProperty('q');
    const none = await sim.chat(ask({ tools, toolChoice: 'none' }), call());
    expect(none.choices[0]!.finishReason).toBe('stop');
    expect(none.choices[0]!.message.toolCalls).toBeUndefined();
    expect(none.choices[0]!.message.content).toBeTruthy();
  });

  it('answers in text after a tool result, citing it', async () => {
    const res = await sim.chat(
      ask({
        tools: [weatherTool as never],
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'What is the weather in Paris?' }] },
          {
            role: 'assistant',
            content: [],
            toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
          },
          {
            role: 'tool',
            toolCallId: 'call_1',
            content: [{ type: 'text', text: '{"temp_c": 21, "sky": "clear"}' }],
          },
        ],
      }),
      call(),
    );
    const c = res.choices[0]!;
    expect(c.finishReason).toBe('stop');
    expect(c.message.content).toContain('get_weather');
    expect(c.message.content).toContain('"temp_c": 21');
  });

  it('returns a JSON object in json_object mode', async () => {
    const res = await sim.chat(ask({ responseFormat: { type: 'json_object' } }), call());
    const parsed = JSON.parse(res.choices[0]!.message.content!) as unknown;
    expect(parsed).toBeTypeOf('object');
    expect(parsed).toHaveProperty('answer');
  });

  it('returns JSON conforming to the json_schema, for several n and seeds', async () => {
    for (let seed = 0; seed < 10; seed++) {
      const res = await sim.chat(
        ask({
          n: 3,
          seed,
          responseFormat: { type: 'json_schema', name: 'r', schema: RICH_SCHEMA, strict: true },
        }),
        call(),
      );
      for (const c of res.choices)
        expect(schemaErrors(JSON.parse(c.message.content!) as JsonValue, RICH_SCHEMA)).toEqual([]);
    }
  });
});
