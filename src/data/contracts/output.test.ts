import { describe, expect, it } from 'vitest';
import {
  compileOutputValidator,
  contractToJsonSchema,
  OutputViolationCounter,
  validateOutput,
} from './output.js';
import { parseContract } from './schema.js';

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
  it('accepts conforming JSON and explains violations', () => {
    expect(validateOutput(schema, '{"label":"spam","confidence":0.9}')).toEqual({ valid: true, errors: [] });
    const bad = validateOutput(schema, '{"label":"eggs","confidence":1.5,"x":1}');
    expect(bad.valid).toBe(false);
    expect(bad.errors.map((e) => e.path).sort()).toEqual(['', '/confidence', '/label']);
    expect(validateOutput(schema, 'Sure! {"label":"spam"}')).toEqual({
      valid: false,
      errors: [{ path: '', message: 'output is not valid JSON' }],
    });
    expect(validateOutput(JSON.stringify(schema), '{"label":"ham","confidence":0}').valid).toBe(true);
    // OpenAI's response_format.json_schema wrapper
    expect(
      validateOutput({ name: 'x', strict: true, schema }, '{"label":"ham","confidence":0.1}').valid,
    ).toBe(true);
    expect(validateOutput({ type: 'string', format: 'email' }, '"nope"').valid).toBe(false);
  });

  it('compiles once per schema and counts violations', () => {
    const check = compileOutputValidator(schema);
    const counter = new OutputViolationCounter();
    for (const t of ['{"label":"spam","confidence":0.2}', '{}', 'oops', '{"label":"ham","confidence":0.3}'])
      counter.record(check(t));
    expect(counter).toMatchObject({ total: 4, violations: 2, rate: 0.5 });
    expect(compileOutputValidator({ type: 'nonsense' })('1').valid).toBe(false);
  });

  it('turns a contract into the JSON Schema of one output record', () => {
    const c = parseContract(
      'name: o\ncolumns: { label: { type: string, allowed: [a, b], nullable: false }, score: { type: number, min: 0, max: 1 } }',
    );
    const s = contractToJsonSchema(c);
    expect(validateOutput(s, '{"label":"a","score":0.5}').valid).toBe(true);
    expect(validateOutput(s, '{"label":"c","score":2}').errors).toHaveLength(2);
    expect(validateOutput(s, '{"label":"a","score":null}').valid).toBe(true);
  });
});
