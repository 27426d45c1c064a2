import { afterAll, describe, expect, it } from 'vitest';
import { SchemaPool } from '../../schemas/index.js';
import {
  compileOutputValidator,
  contractToJsonSchema,
  OutputViolationCounter,
  validateOutput,
} from './output.js';
import { parseContract } from './schema.js';

const schemas = new SchemaPool();
afterAll(() => schemas.close());

const schema = {
  type: 'object',
  properties: {
    label: { type: 'string', enum: ['spam', 'ham'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
  },
  required: ['label', 'confidence'],
  additionalProperties: false,
};

describe('validateOutput', () => {
  it('accepts conforming JSON and explains violations', async () => {
    expect(await validateOutput(schemas, schema, '{"label":"spam","confidence":0.9}')).toEqual({
      valid: true,
      errors: [],
    });
    const bad = await validateOutput(schemas, schema, '{"label":"eggs","confidence":1.5,"x":1}');
    expect(bad.valid).toBe(false);
    expect(bad.errors.map((e) => e.path).sort()).toEqual(['', '/confidence', '/label']);
    expect(await validateOutput(schemas, schema, 'Sure! {"label":"spam"}')).toEqual({
      valid: false,
      errors: [{ path: '', message: 'output is not valid JSON' }],
    });
    expect(
      (await validateOutput(schemas, JSON.stringify(schema), '{"label":"ham","confidence":0}')).valid,
    ).toBe(true);
    // OpenAI's response_format.json_schema wrapper
    expect(
      (await validateOutput(schemas, { name: 'x', strict: true, schema }, '{"label":"ham","confidence":0.1}'))
        .valid,
    ).toBe(true);
    expect((await validateOutput(schemas, { type: 'string', format: 'email' }, '"nope"')).valid).toBe(false);
  });

  it('compiles once per schema and counts violations', async () => {
    const check = compileOutputValidator(schemas, schema);
    const counter = new OutputViolationCounter();
    for (const t of ['{"label":"spam","confidence":0.2}', '{}', 'oops', '{"label":"ham","confidence":0.3}'])
      counter.record(await check(t));
    expect(counter).toMatchObject({ total: 4, violations: 2, rate: 0.5 });
    expect((await compileOutputValidator(schemas, { type: 'nonsense' })('1')).valid).toBe(false);
  });

  it('turns a contract into the JSON Schema of one output record', async () => {
    const c = parseContract(
      'name: o\ncolumns: { label: { type: string, allowed: [a, b], nullable: false }, score: { type: number, min: 0, max: 1 } }',
    );
    const s = contractToJsonSchema(c);
    expect((await validateOutput(schemas, s, '{"label":"a","score":0.5}')).valid).toBe(true);
    expect((await validateOutput(schemas, s, '{"label":"c","score":2}')).errors).toHaveLength(2);
    expect((await validateOutput(schemas, s, '{"label":"a","score":null}')).valid).toBe(true);
  });
});
