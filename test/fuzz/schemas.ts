import fc from 'fast-check';
import { fromPlain, hostileValue, type JValue, Raw } from './values.js';

/** Alternations that make a backtracking regex engine take exponential time on a near-match. */
const catastrophic = (n: number) => `^(?:${Array(n).fill('.').join('|')})*X$`;

/**
 * Whether Keel is made to *evaluate* data against the hostile schemas below: the fake model calls
 * the offered tools (its arguments are checked against the caller's schema by the bounded schema
 * compiler, src/schemas/), /api/data/validate-output gets schemas that recurse without end and
 * outputs that nearly match catastrophic patterns. On by default; FUZZ_HOSTILE_SCHEMAS=0 turns
 * evaluation off to isolate other failures (the hostile schemas are still sent).
 */
export const HOSTILE_SCHEMA_EVALUATION = process.env.FUZZ_HOSTILE_SCHEMAS !== '0';

/** Schemas whose validation recurses without consuming input, whatever the data. */
const ENDLESS: unknown[] = [
  { $ref: '#' },
  {
    $ref: '#/definitions/a',
    definitions: { a: { $ref: '#/definitions/b' }, b: { $ref: '#/definitions/a' } },
  },
  { $ref: '#/$defs/x', $defs: { x: { anyOf: [{ $ref: '#/$defs/x' }] } } },
  JSON.parse('{"if":{"$ref":"#"},"then":{"$ref":"#"},"else":{"$ref":"#"}}'),
  // Without a $dynamicAnchor this resolves to the root, like {"$ref": "#"}.
  { $schema: 'https://json-schema.org/draft/2020-12/schema', $dynamicRef: '#meta' },
  { $id: 'x', $ref: 'x#' },
];

/**
 * Caller-supplied JSON Schemas (tool parameters, response_format, output validation) written to
 * hurt a validator: self-reference, catastrophic regexes, invalid regexes, remote refs, depth, sizes.
 */
const HOSTILE_SCHEMAS: unknown[] = [
  { type: 'object', properties: { a: { $ref: '#' } } },
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

const hostile = (list: unknown[]) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...list).map(fromPlain) },
    { weight: 1, arbitrary: nestedSchema },
    { weight: 1, arbitrary: hostileValue },
  );

/** Every hostile schema: for places that carry a schema on without evaluating data against it. */
export const hostileSchema: fc.Arbitrary<JValue> = hostile([...ENDLESS, ...HOSTILE_SCHEMAS]);

/** Hostile schemas for places that evaluate data against them (see HOSTILE_SCHEMA_EVALUATION). */
export const evaluatedSchema: fc.Arbitrary<JValue> = HOSTILE_SCHEMA_EVALUATION
  ? hostileSchema
  : hostile(HOSTILE_SCHEMAS);

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
