import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidSchemaError, SchemaCompiler } from './compiler.js';

// Random schemas with $refs into random places (cycles included) and patterns that backtrack in
// V8: the compiler either refuses them with InvalidSchemaError or validates any instance in
// bounded time without throwing. A refusal is a 400; anything else would be a 500 or a stall.

const REFS = ['#', '#/$defs/a', '#/$defs/b', '#/properties/x', '#/anyOf/0', '#/$defs/a/items'];
const PATTERNS = ['^(a+)+$', '^(?:.|.|.)*X$', '(a)\\1', '(?=a)', '^[a-z]*$'];

const schemaArb = fc.letrec<{ schema: unknown }>((tie) => ({
  schema: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<unknown>(true, false, { type: 'string' }, { type: 'integer' }, {}),
    fc.constantFrom(...REFS).map((r) => ({ $ref: r })),
    fc.constantFrom(...PATTERNS).map((p) => ({ type: 'string', pattern: p })),
    fc.record({ properties: fc.dictionary(fc.constantFrom('x', 'y', 'z'), tie('schema'), { maxKeys: 3 }) }),
    fc.record({ items: tie('schema'), uniqueItems: fc.boolean() }),
    fc.record({ anyOf: fc.array(tie('schema'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ allOf: fc.array(tie('schema'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('schema') }),
    fc.record({ additionalProperties: tie('schema') }),
  ),
}));

const rootArb = fc
  .record({ root: schemaArb.schema, a: schemaArb.schema, b: schemaArb.schema })
  .map(({ root, a, b }) =>
    typeof root === 'object' && root !== null
      ? { ...root, $defs: { a, b } }
      : { anyOf: [root], $defs: { a, b } },
  );

describe('SchemaCompiler under random schemas', () => {
  it('refuses cleanly or validates in bounded time', () => {
    const compiler = new SchemaCompiler({ maxInstanceDepth: 12 });
    fc.assert(
      fc.property(rootArb, fc.jsonValue({ maxDepth: 6 }), (schema, instance) => {
        let v: ReturnType<SchemaCompiler['compile']>;
        try {
          v = compiler.compile(schema);
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidSchemaError);
          return;
        }
        const t0 = performance.now();
        const r = v.validate(instance);
        expect(typeof r.valid).toBe('boolean');
        expect(performance.now() - t0).toBeLessThan(1000);
      }),
      { numRuns: 300 },
    );
  });
});
