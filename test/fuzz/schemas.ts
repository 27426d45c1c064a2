import fc from 'fast-check';
import { fromPlain, hostileValue, type JValue, Raw } from './values.js';

/** Alternations that make a backtracking regex engine take exponential time on a near-match. */
const catastrophic = (n: number) => `^(?:${Array(n).fill('.').join('|')})*X$`;

/**
 * Caller-supplied JSON Schemas (tool parameters, response_format, output validation) written to
 * hurt a validator: self-reference, catastrophic regexes, invalid regexes, remote refs, depth, sizes.
 */
const HOSTILE_SCHEMAS: unknown[] = [
  { $ref: '#' },
  { type: 'object', properties: { a: { $ref: '#' } } },
  {
    $ref: '#/definitions/a',
    definitions: { a: { $ref: '#/definitions/b' }, b: { $ref: '#/definitions/a' } },
  },
  { $ref: '#/$defs/x', $defs: { x: { anyOf: [{ $ref: '#/$defs/x' }] } } },
  { type: 'string', pattern: '^(a|a)*$' },
  { type: 'string', pattern: '^(a+)+$' },
  { type: 'string', pattern: catastrophic(12) },
  { type: 'object', properties: { city: { type: 'string', pattern: '(x+x+)+y' } } },
  { type: 'object', patternProperties: { '^(a|aa)+$': { type: 'string' } } },
  { type: 'object', propertyNames: { pattern: '^(\\w+\\s?)*$' } },
  { type: 'string', pattern: '(' },
  { type: 'string', pattern: '\\' },
  { type: 'string', pattern: '(?<=a)b' },
  { type: 'string', format: 'email' },
  { type: 'string', format: 'no-such-format' },
  { $ref: 'http://169.254.169.254/latest/meta-data/' },
  { $ref: 'file:///etc/passwd' },
  { $id: 'x', $ref: 'x#' },
  { type: 5 },
  { type: ['string', 'string'] },
  { required: 'city' },
  { enum: [] },
  { minLength: new Raw('1e400') },
  { maxItems: new Raw('-0') },
  { multipleOf: new Raw('1e-400') },
  // JSON.parse keeps `__proto__` as an own key; an object literal would set the prototype instead.
  JSON.parse(
    '{"type":"object","properties":{"__proto__":{"type":"string"},"constructor":{"type":"number"}}}',
  ),
  { allOf: Array.from({ length: 2000 }, () => ({ type: 'object' })) },
  { $schema: 'http://example.com/not-a-meta-schema' },
  { $schema: 'https://json-schema.org/draft/2020-12/schema', $dynamicRef: '#meta' },
  JSON.parse('{"if":{"$ref":"#"},"then":{"$ref":"#"},"else":{"$ref":"#"}}'),
  true,
  false,
  null,
  [],
  'string',
];

const nestedSchema = fc
  .integer({ min: 10, max: 5_000 })
  .map(
    (n) => new Raw(`${'{"type":"object","properties":{"a":'.repeat(n)}{"type":"string"}${'}}'.repeat(n)}`),
  );

export const hostileSchema: fc.Arbitrary<JValue> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_SCHEMAS).map(fromPlain) },
  { weight: 1, arbitrary: nestedSchema },
  { weight: 1, arbitrary: hostileValue },
);

/**
 * Whether the fake model may answer with a tool call when the request's tool schemas are hostile,
 * so Keel validates the model's arguments against them (src/pipeline/guard/tools.ts). Off by
 * default until that validator compiles caller schemas safely: today `{"$ref":"#"}` overflows the
 * stack there (500) and a catastrophic `pattern` stalls the loop. The hostile schemas are sent
 * either way. Turn on with FUZZ_HOSTILE_TOOL_CALLS=1.
 */
export const HOSTILE_TOOL_CALLS = process.env.FUZZ_HOSTILE_TOOL_CALLS === '1';

/** An ordinary schema, so a request that uses one goes the whole way through. */
export const WEATHER_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
};

export const schema: fc.Arbitrary<JValue> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(fromPlain(WEATHER_SCHEMA)) },
  { weight: 3, arbitrary: hostileSchema },
);

/**
 * Arguments a model might send back for a tool with a hostile schema: near-matches for the
 * catastrophic patterns above, deep values for recursive refs.
 */
export const toolArguments: fc.Arbitrary<string> = fc.oneof(
  fc.constant('{"city":"Oslo"}'),
  fc
    .integer({ min: 20, max: 40 })
    .map((n) => JSON.stringify({ city: `${'x'.repeat(n)}!`, a: 'a'.repeat(n) })),
  fc.integer({ min: 20, max: 40 }).map((n) => JSON.stringify(`${'a'.repeat(n)}!`)),
  fc.constant(`${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`),
  fc.constant('not json'),
);
