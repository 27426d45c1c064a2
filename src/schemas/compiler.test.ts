import { describe, expect, it } from 'vitest';
import { InvalidSchemaError, SchemaCompiler } from './compiler.js';

const EVIL = '^(?:.|.|.|.|.|.|.|.|.|.)*X$';

function rejection(c: SchemaCompiler, schema: unknown): string {
  try {
    c.check(schema);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidSchemaError);
    return (e as Error).message;
  }
  throw new Error('schema was accepted');
}

describe('SchemaCompiler', () => {
  it('validates a catastrophic pattern against a long string in linear time', () => {
    const c = new SchemaCompiler();
    const v = c.compile({ type: 'object', properties: { s: { type: 'string', pattern: EVIL } } });
    const t0 = performance.now();
    const r = v.validate({ s: 'a'.repeat(50_000) });
    expect(r.valid).toBe(false);
    // V8's backtracking engine needs seconds for a few dozen characters of this input.
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(v.validate({ s: 'aaX' }).valid).toBe(true);
  });

  it('runs patternProperties on the linear-time engine too', () => {
    const c = new SchemaCompiler();
    const v = c.compile({ type: 'object', patternProperties: { [EVIL]: { type: 'number' } } });
    expect(v.validate({ [`${'a'.repeat(20_000)}X`]: 'no' }).valid).toBe(false);
    expect(v.validate({ [`${'a'.repeat(20_000)}`]: 'fine' }).valid).toBe(true);
  });

  it('rejects backreferences and lookaround with a message that says why', () => {
    const c = new SchemaCompiler();
    expect(rejection(c, { type: 'string', pattern: '(a)\\1' })).toMatch(/backreferences.*linear time/);
    expect(rejection(c, { patternProperties: { '(?<!a)b': {} } })).toMatch(/lookahead and lookbehind/);
    expect(rejection(c, { properties: { x: { pattern: '(?=a)' } } })).toMatch(/lookahead/);
    // A `pattern` inside instance data is not a regex.
    expect(() => c.check({ const: { pattern: '(a)\\1' } })).not.toThrow();
  });

  it('rejects $ref cycles that never descend into the value', () => {
    const c = new SchemaCompiler();
    expect(rejection(c, { $ref: '#' })).toMatch(/\$ref cycle/);
    expect(
      rejection(c, {
        $defs: { a: { allOf: [{ $ref: '#/$defs/b' }] }, b: { anyOf: [{ $ref: '#/$defs/a' }] } },
        $ref: '#/$defs/a',
      }),
    ).toMatch(/\$ref cycle/);
  });

  it('accepts recursion through properties, bounded by the instance depth', () => {
    const c = new SchemaCompiler({ maxInstanceDepth: 16 });
    const tree = {
      type: 'object',
      properties: { left: { $ref: '#' }, right: { $ref: '#' }, v: { type: 'integer' } },
    };
    const v = c.compile(tree);
    expect(v.validate({ left: { right: { v: 1 } } }).valid).toBe(true);
    expect(v.validate({ left: { right: { v: 'x' } } })).toEqual({
      valid: false,
      errors: [{ path: '/left/right/v', message: 'must be integer' }],
    });
    let deep: object = {};
    for (let i = 0; i < 100_000; i++) deep = { left: deep };
    expect(v.validate(deep)).toEqual({
      valid: false,
      errors: [{ path: '', message: 'nested more than 16 levels deep' }],
    });
  });

  it('rejects recursion that multiplies the schemas applying to one value', () => {
    const c = new SchemaCompiler();
    const doubling = { anyOf: [{ properties: { a: { $ref: '#' } } }, { properties: { a: { $ref: '#' } } }] };
    expect(rejection(c, doubling)).toMatch(/schema nodes would apply to one value/);
  });

  it('enforces size, node, depth and $ref limits', () => {
    const c = new SchemaCompiler({ maxBytes: 2000, maxNodes: 50, maxDepth: 8, maxRefs: 3 });
    expect(rejection(c, { description: 'x'.repeat(3000) })).toMatch(/bytes long/);
    expect(rejection(c, { enum: Array.from({ length: 60 }, (_, i) => i) })).toMatch(/more than 50 nodes/);
    let nested: object = { type: 'string' };
    for (let i = 0; i < 10; i++) nested = { items: nested };
    expect(rejection(c, nested)).toMatch(/nested more than 8 levels/);
    expect(
      rejection(c, {
        allOf: [{ $ref: '#/$defs/a' }, { $ref: '#/$defs/a' }, { $ref: '#/$defs/a' }, { $ref: '#/$defs/a' }],
        $defs: { a: {} },
      }),
    ).toMatch(/more than 3 \$refs/);
    expect(rejection(c, { $ref: 'https://example.com/s.json' })).toMatch(/only local JSON-pointer/);
    expect(rejection(c, { $ref: '#/$defs/missing' })).toMatch(/does not resolve/);
  });

  it('rejects a schema its dialect calls invalid', () => {
    const c = new SchemaCompiler();
    expect(rejection(c, { type: 'strnig' })).toMatch(/the schema is invalid/);
  });

  it('keeps its cache bounded and serves repeats from it', () => {
    const c = new SchemaCompiler({ cacheSize: 5 });
    for (let i = 0; i < 20; i++) c.compile({ type: 'string', maxLength: i });
    expect(c.size).toBe(5);
    const a = c.compile({ type: 'string', maxLength: 19 });
    expect(c.compile({ type: 'string', maxLength: 19 })).toBe(a);
    // Refusals are cached too, so a repeated bad schema costs one hash.
    for (let i = 0; i < 3; i++) expect(() => c.check({ $ref: '#' })).toThrow(InvalidSchemaError);
    expect(c.size).toBe(5);
  });

  it('keeps the schema text it holds under cacheBytes', () => {
    const c = new SchemaCompiler({ cacheBytes: 10_000 });
    for (let i = 0; i < 50; i++) c.check({ type: 'string', description: `${i}`.padEnd(1000, 'x') });
    expect(c.bytes).toBeLessThanOrEqual(10_000);
    expect(c.size).toBeGreaterThan(5);
    expect(c.size).toBeLessThan(11);
  });

  it('validates structured outputs with formats in the 2020-12 dialect', () => {
    const c = new SchemaCompiler();
    const v = c.compile(
      { type: 'object', properties: { at: { type: 'string', format: 'date-time' } } },
      '2020-12',
    );
    expect(v.validate({ at: '2026-01-01T00:00:00Z' }).valid).toBe(true);
    expect(v.validate({ at: 'yesterday' }).valid).toBe(false);
  });
});

describe('uniqueItems', () => {
  it('finds duplicates among many objects in linear time, whatever the key order', () => {
    for (const dialect of ['draft-07', '2020-12'] as const) {
      const v = new SchemaCompiler().compile({ type: 'array', uniqueItems: true }, dialect);
      const items = Array.from({ length: 50_000 }, (_, i) => ({ a: i, b: [i, { c: 'x' }] }));
      const t0 = performance.now();
      expect(v.validate(items).valid).toBe(true);
      // ajv's pairwise comparison took 4.7 s for 10,000 such items.
      expect(performance.now() - t0).toBeLessThan(1500);
      const dup = [...items.slice(0, 10), { b: [3, { c: 'x' }], a: 3 }];
      expect(v.validate(dup)).toEqual({
        valid: false,
        errors: [{ path: '', message: 'must NOT have duplicate items (items ## 10 and 3 are identical)' }],
      });
      expect(v.validate([1, '1', [1], { a: 1 }, null]).valid).toBe(true);
    }
  });
});
