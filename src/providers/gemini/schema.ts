import type { JsonObject, JsonValue } from '../../canonical/types.js';

/**
 * JSON Schema → the OpenAPI-subset `Schema` Gemini accepts for function parameters and
 * `responseSchema`. Gemini answers 400 to keys it does not know (additionalProperties, $schema,
 * $defs, const…), to type arrays, and to string formats other than enum/date-time, so this keeps a
 * whitelist and rewrites the common JSON Schema idioms instead of passing them through.
 */

const KEEP = new Set([
  'description',
  'title',
  'nullable',
  'maxItems',
  'minItems',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'propertyOrdering',
]);

const FORMATS: Record<string, ReadonlySet<string>> = {
  string: new Set(['enum', 'date-time']),
  integer: new Set(['int32', 'int64']),
  number: new Set(['float', 'double']),
};

const MAX_DEPTH = 32;
const REF_PREFIXES = ['#/$defs/', '#/definitions/'];

function isObj(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface Ctx {
  root: JsonObject;
  /** $refs being expanded on the current path, to cut recursive schemas. */
  expanding: Set<string>;
  depth: number;
}

export function toGeminiSchema(schema: JsonObject): JsonObject {
  return convert(schema, { root: schema, expanding: new Set(), depth: 0 });
}

/** Whether a tool's parameters declare anything; Gemini rejects an OBJECT with empty properties. */
export function hasProperties(schema: JsonObject): boolean {
  return isObj(schema.properties) && Object.keys(schema.properties).length > 0;
}

function resolveRef(ref: string, root: JsonObject): JsonObject | undefined {
  if (ref === '#') return root;
  for (const prefix of REF_PREFIXES) {
    if (!ref.startsWith(prefix)) continue;
    const defs = prefix === '#/$defs/' ? root.$defs : root.definitions;
    const found = isObj(defs) ? defs[ref.slice(prefix.length)] : undefined;
    return isObj(found) ? found : undefined;
  }
  return undefined;
}

function convert(input: JsonObject, ctx: Ctx): JsonObject {
  if (ctx.depth > MAX_DEPTH) return { type: 'object' };
  let schema = input;
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const target = resolveRef(ref, ctx.root);
    if (!target || ctx.expanding.has(ref)) return { type: 'object', ...describe(schema) };
    ctx.expanding.add(ref);
    // Sibling keywords of $ref (description, mostly) win over the target's.
    const { $ref: _drop, ...siblings } = schema;
    const out = convert({ ...target, ...siblings }, { ...ctx, depth: ctx.depth + 1 });
    ctx.expanding.delete(ref);
    return out;
  }
  if (Array.isArray(schema.allOf)) schema = mergeAllOf(schema, ctx);

  const out: JsonObject = {};
  const next = { ...ctx, depth: ctx.depth + 1 };
  let type = schema.type;
  if (Array.isArray(type)) {
    const nonNull = type.filter((t): t is string => typeof t === 'string' && t !== 'null');
    if (nonNull.length < type.length) out.nullable = true;
    if (nonNull.length > 1) {
      // Several real types: express as anyOf, which Gemini understands.
      out.anyOf = nonNull.map((t) => convert({ ...schema, type: t }, next));
      return { ...describe(schema), ...out };
    }
    type = nonNull[0] ?? 'string';
  }
  const alt = Array.isArray(schema.anyOf)
    ? schema.anyOf
    : Array.isArray(schema.oneOf)
      ? schema.oneOf
      : undefined;
  if (alt) {
    const branches = alt.filter(isObj);
    const nonNull = branches.filter((b) => b.type !== 'null');
    if (nonNull.length < branches.length) out.nullable = true;
    if (nonNull.length === 1)
      return {
        ...convert({ ...schema, anyOf: null, oneOf: null, ...nonNull[0] }, next),
        ...out,
        ...describe(schema),
      };
    out.anyOf = nonNull.map((b) => convert(b, next));
    return { ...describe(schema), ...out };
  }

  if (typeof type === 'string') out.type = type;
  for (const [k, v] of Object.entries(schema)) if (KEEP.has(k) && v !== null) out[k] = v;
  if (schema.const !== undefined && schema.const !== null) out.enum = [String(schema.const)];
  if (Array.isArray(schema.enum)) {
    const values = schema.enum.filter((e) => e !== null);
    // Gemini enums are strings only; a numeric enum is dropped and the type alone constrains it.
    if (values.every((e) => typeof e === 'string')) out.enum = values;
    if (schema.enum.includes(null)) out.nullable = true;
  }
  if (out.enum && out.type === undefined) out.type = 'string';
  const format = schema.format;
  if (typeof format === 'string' && typeof out.type === 'string' && FORMATS[out.type]?.has(format))
    out.format = format;

  if (isObj(schema.properties)) {
    const props: JsonObject = {};
    for (const [name, sub] of Object.entries(schema.properties))
      props[name] = convert(isObj(sub) ? sub : {}, next);
    if (Object.keys(props).length > 0) {
      out.properties = props;
      if (Array.isArray(schema.required)) {
        const required = schema.required.filter((r) => typeof r === 'string' && r in props);
        if (required.length > 0) out.required = required;
      }
    }
    out.type ??= 'object';
  }
  if (isObj(schema.items)) {
    out.items = convert(schema.items, next);
    out.type ??= 'array';
  }
  return out;
}

function describe(schema: JsonObject): JsonObject {
  return typeof schema.description === 'string' ? { description: schema.description } : {};
}

function mergeAllOf(schema: JsonObject, ctx: Ctx): JsonObject {
  const merged: JsonObject = { ...schema };
  delete merged.allOf;
  const properties: JsonObject = isObj(schema.properties) ? { ...schema.properties } : {};
  const required: JsonValue[] = Array.isArray(schema.required) ? [...schema.required] : [];
  for (const part of schema.allOf as JsonValue[]) {
    if (!isObj(part)) continue;
    const p = typeof part.$ref === 'string' ? (resolveRef(part.$ref, ctx.root) ?? {}) : part;
    if (isObj(p.properties)) Object.assign(properties, p.properties);
    if (Array.isArray(p.required)) required.push(...p.required);
    for (const [k, v] of Object.entries(p))
      if (merged[k] === undefined && k !== 'properties' && k !== 'required') merged[k] = v;
  }
  if (Object.keys(properties).length > 0) merged.properties = properties;
  if (required.length > 0) merged.required = required;
  return merged;
}
