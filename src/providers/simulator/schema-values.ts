import type { JsonObject, JsonValue } from '../../canonical/types.js';
import type { Mulberry32 } from '../../prng.js';
import type { Understanding } from './compose.js';
import { SAMPLE_CITIES } from './phrases.js';

/**
 * Generates a JSON value that satisfies a JSON schema (the common subset tools and structured
 * outputs use: types, properties/required, items, enum/const, anyOf/oneOf/allOf, local $refs,
 * numeric and length bounds, well-known string formats). Values lean on the user's words so tool
 * arguments look like the model understood the question.
 */

interface Ctx {
  rng: Mulberry32;
  u: Understanding;
  root: JsonObject;
  /** Include optional properties too (structured outputs look complete; tool calls stay lean). */
  allProperties: boolean;
  depth: number;
}

const MAX_DEPTH = 8;
const ID_CHARS = 'abcdef0123456789';
const NON_LETTER_RE = /[^a-z]/g;
const TILDE1_RE = /~1/g;
const TILDE0_RE = /~0/g;

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: JsonValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function resolveRef(schema: JsonObject, ctx: Ctx): JsonObject {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#')) return schema;
  let node: JsonValue | undefined = ctx.root;
  for (const seg of ref.slice(1).split('/')) {
    if (seg === '') continue;
    node = isObject(node) ? node[seg.replace(TILDE1_RE, '/').replace(TILDE0_RE, '~')] : undefined;
  }
  return isObject(node) ? node : {};
}

function typeOf(schema: JsonObject): string {
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const first = t.find((x) => x !== 'null');
    return typeof first === 'string' ? first : 'null';
  }
  if (isObject(schema.properties) || Array.isArray(schema.required)) return 'object';
  if (schema.items !== undefined) return 'array';
  return 'string';
}

export function valueForSchema(
  schema: JsonObject,
  rng: Mulberry32,
  u: Understanding,
  opts: { allProperties: boolean },
): JsonValue {
  return gen(schema, { rng, u, root: schema, allProperties: opts.allProperties, depth: 0 }, '');
}

function gen(input: JsonObject, ctx: Ctx, propName: string): JsonValue {
  if (ctx.depth > MAX_DEPTH) return null;
  const schema = resolveRef(input, ctx);
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return ctx.rng.pick(schema.enum);
  const alt = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : null;
  if (alt) {
    const option = alt.find((o) => isObject(o) && o.type !== 'null') ?? alt[0];
    if (isObject(option)) return gen(option, { ...ctx, depth: ctx.depth + 1 }, propName);
  }
  if (Array.isArray(schema.allOf))
    return gen(mergeAllOf(schema, ctx), { ...ctx, depth: ctx.depth + 1 }, propName);
  const deeper = { ...ctx, depth: ctx.depth + 1 };
  switch (typeOf(schema)) {
    case 'object':
      return genObject(schema, deeper);
    case 'array':
      return genArray(schema, deeper, propName);
    case 'integer':
      return genNumber(schema, ctx.rng, true);
    case 'number':
      return genNumber(schema, ctx.rng, false);
    case 'boolean':
      return ctx.rng.chance(0.5);
    case 'null':
      return null;
    default:
      return genString(schema, ctx, propName);
  }
}

function mergeAllOf(schema: JsonObject, ctx: Ctx): JsonObject {
  const properties: JsonObject = {};
  const required: JsonValue[] = [];
  const merged: JsonObject = { ...schema, allOf: null };
  delete merged.allOf;
  for (const part of [schema, ...(schema.allOf as JsonValue[])]) {
    if (!isObject(part)) continue;
    const p = resolveRef(part, ctx);
    if (isObject(p.properties)) Object.assign(properties, p.properties);
    if (Array.isArray(p.required)) required.push(...p.required);
    if (p.type !== undefined && merged.type === undefined) merged.type = p.type;
  }
  merged.properties = properties;
  merged.required = required;
  return merged;
}

function genObject(schema: JsonObject, ctx: Ctx): JsonObject {
  const out: JsonObject = {};
  const props = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(
    Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : [],
  );
  for (const [name, sub] of Object.entries(props)) {
    if (!required.has(name) && !(ctx.allProperties || ctx.rng.chance(0.3))) continue;
    out[name] = gen(isObject(sub) ? sub : {}, ctx, name);
  }
  // Required names with no declared schema still have to be present.
  for (const name of required)
    if (typeof name === 'string' && !(name in out)) out[name] = genString({}, ctx, name);
  return out;
}

function genArray(schema: JsonObject, ctx: Ctx, propName: string): JsonValue[] {
  const min = num(schema.minItems) ?? 1;
  const max = num(schema.maxItems) ?? Math.max(min, 3);
  const count = Math.min(max, Math.max(min, ctx.rng.int(1, 2)));
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
  const items = isObject(schema.items) ? schema.items : {};
  const out: JsonValue[] = [];
  for (let i = 0; i < count; i++) {
    const s = prefix[i];
    out.push(gen(isObject(s) ? s : items, ctx, propName));
  }
  return out;
}

function genNumber(schema: JsonObject, rng: Mulberry32, integer: boolean): number {
  const exMin = num(schema.exclusiveMinimum);
  const exMax = num(schema.exclusiveMaximum);
  const step = integer ? 1 : 0.01;
  let lo = num(schema.minimum) ?? (exMin !== undefined ? exMin + step : undefined);
  let hi = num(schema.maximum) ?? (exMax !== undefined ? exMax - step : undefined);
  if (lo === undefined && hi === undefined) lo = integer ? 1 : 0;
  lo ??= (hi as number) - 100;
  hi ??= lo + (integer ? 99 : 100);
  if (integer) {
    const a = Math.ceil(lo);
    const b = Math.floor(hi);
    return b < a ? a : rng.int(a, b);
  }
  const v = lo + rng.next() * (hi - lo);
  return Math.min(hi, Math.max(lo, Math.round(v * 100) / 100));
}

function genString(schema: JsonObject, ctx: Ctx, propName: string): string {
  let s = stringFor(schema, ctx, propName.toLowerCase());
  const minLen = num(schema.minLength);
  const maxLen = num(schema.maxLength);
  if (minLen !== undefined && s.length < minLen) s = s.padEnd(minLen, ' x');
  if (maxLen !== undefined && s.length > maxLen) s = s.slice(0, maxLen);
  return s;
}

function stringFor(schema: JsonObject, ctx: Ctx, name: string): string {
  const { rng, u } = ctx;
  switch (schema.format) {
    case 'date':
      return `2025-0${rng.int(1, 9)}-${String(rng.int(10, 28))}`;
    case 'date-time':
      return `2025-0${rng.int(1, 9)}-${String(rng.int(10, 28))}T${String(rng.int(10, 23))}:00:00Z`;
    case 'time':
      return `${String(rng.int(10, 23))}:${rng.pick(['00', '15', '30', '45'])}:00`;
    case 'email':
      return `${(u.properNouns[0] ?? 'alex').toLowerCase().replace(NON_LETTER_RE, '') || 'alex'}@example.com`;
    case 'uri':
    case 'url':
      return `https://example.com/${u.keywords[0] ?? 'docs'}`;
    case 'uuid':
      return uuidish(rng);
    case 'ipv4':
      return `10.0.${rng.int(0, 255)}.${rng.int(1, 254)}`;
  }
  const place = u.properNouns[0] ?? rng.pick(SAMPLE_CITIES);
  if (
    name.includes('city') ||
    name.includes('location') ||
    name.includes('place') ||
    name.includes('destination')
  )
    return place;
  if (name.includes('email')) return 'alex@example.com';
  if (name.includes('url') || name.includes('link')) return `https://example.com/${u.keywords[0] ?? 'docs'}`;
  if (name.includes('date')) return `2025-0${rng.int(1, 9)}-${String(rng.int(10, 28))}`;
  if (name === 'id' || name.endsWith('_id') || name.endsWith('id')) return `${name || 'id'}_${hex(rng, 8)}`;
  if (name.includes('unit')) return rng.pick(['celsius', 'metric']);
  if (name.includes('lang')) return 'en';
  if (name.includes('country')) return 'FR';
  if (name.includes('currency')) return 'USD';
  if (name.includes('name') || name === 'user' || name.includes('person'))
    return u.properNouns[0] ?? rng.pick(['Alex Morgan', 'Sam Lee', 'Jordan Diaz']);
  if (u.keywords.length > 0) return u.keywords.slice(0, 4).join(' ');
  return 'example';
}

function hex(rng: Mulberry32, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ID_CHARS[rng.int(0, 15)];
  return s;
}

function uuidish(rng: Mulberry32): string {
  return `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-a${hex(rng, 3)}-${hex(rng, 12)}`;
}
