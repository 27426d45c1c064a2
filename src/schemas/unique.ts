import type { Ajv, FuncKeywordDefinition } from 'ajv';

/**
 * `uniqueItems` in linear time. ajv compares objects and arrays pairwise (O(n²) deep equality):
 * 10,000 small objects in a tool call's arguments held the event loop for 4.7 s. Here each item
 * becomes a canonical string (object keys sorted; the validator has already bounded the
 * instance's depth) and duplicates are found with a Map. JSON Schema equality is JSON value
 * equality, which is what canonical text compares (1 and 1.0 are one number in JavaScript).
 */

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const uniqueItems: FuncKeywordDefinition = {
  keyword: 'uniqueItems',
  type: 'array',
  schemaType: 'boolean',
  errors: true,
  validate: function validate(schema: boolean, data: unknown[]): boolean {
    const self = validate as typeof validate & { errors?: unknown[] };
    self.errors = [];
    if (!schema) return true;
    const seen = new Map<string, number>();
    for (let i = 0; i < data.length; i++) {
      const key = canonical(data[i]);
      const j = seen.get(key);
      if (j !== undefined) {
        self.errors = [
          {
            keyword: 'uniqueItems',
            message: `must NOT have duplicate items (items ## ${i} and ${j} are identical)`,
            params: { i, j },
          },
        ];
        return false;
      }
      seen.set(key, i);
    }
    return true;
  },
};

/** Replace ajv's quadratic `uniqueItems` with the linear one. */
export function installLinearUniqueItems(ajv: Ajv): void {
  ajv.removeKeyword('uniqueItems');
  ajv.addKeyword(uniqueItems);
}
