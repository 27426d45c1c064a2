import { compileSafeRegex, UnsafePatternError } from './regex.js';

/**
 * Static limits on a caller-supplied JSON Schema, checked before ajv sees it: size, nesting,
 * `$ref` count and shape, and how many schema nodes can apply to one value of an instance once
 * `$ref`s are followed. That last number is what makes validation cost explode: ajv does not
 * memoise, so `{"anyOf":[{"properties":{"a":{"$ref":"#"}}},{"properties":{"a":{"$ref":"#"}}}]}`
 * validates `{"a":{"a":…}}` in 2^depth steps, and `{"$ref":"#"}` recurses forever on any value.
 *
 * Recursion is allowed when every cycle descends into the instance (trees, linked lists): each
 * turn then consumes one level of the instance, whose depth the validator bounds. A cycle that
 * stays on the same value is rejected, and so is a schema under which more than `maxExpansion`
 * schema nodes apply to one value at any depth up to `maxInstanceDepth`.
 */

export interface SchemaLimits {
  maxBytes: number;
  maxNodes: number;
  maxDepth: number;
  maxRefs: number;
  maxExpansion: number;
  maxInstanceDepth: number;
  maxPatternLength: number;
  maxPatterns: number;
}

export const DEFAULT_SCHEMA_LIMITS: SchemaLimits = {
  maxBytes: 256 * 1024,
  maxNodes: 2000,
  maxDepth: 64,
  maxRefs: 500,
  maxExpansion: 1000,
  maxInstanceDepth: 64,
  maxPatternLength: 4096,
  maxPatterns: 200,
};

export class SchemaRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaRejected';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSchema = (v: unknown): v is Obj | boolean => typeof v === 'boolean' || isObj(v);

/** Keywords whose subschemas apply to the same value as their parent. */
const SAME_ONE = ['not', 'if', 'then', 'else'];
const SAME_LIST = ['allOf', 'anyOf', 'oneOf'];
const SAME_MAP = ['dependentSchemas', 'dependencies'];
/** Keywords whose subschemas apply to a child of the value (a property, an item, a key). */
const CHILD_ONE = [
  'additionalProperties',
  'additionalItems',
  'unevaluatedProperties',
  'unevaluatedItems',
  'contains',
  'propertyNames',
];

/** Keywords holding instance data, not schemas: a `pattern` inside them is just a string. */
const DATA = new Set(['enum', 'const', 'default', 'examples']);

function checkPattern(p: string, limits: SchemaLimits): void {
  try {
    compileSafeRegex(p, 'u', limits.maxPatternLength);
  } catch (e) {
    if (e instanceof UnsafePatternError)
      throw new SchemaRejected(`pattern ${JSON.stringify(p.slice(0, 200))}: ${e.message}`);
    throw e;
  }
}

interface Counts {
  refs: number;
  patterns: number;
}

function checkKeyword(k: string, x: unknown, atRoot: boolean, limits: SchemaLimits, n: Counts): void {
  const pattern = (p: string) => {
    if (++n.patterns > limits.maxPatterns)
      throw new SchemaRejected(`the schema has more than ${limits.maxPatterns} patterns`);
    checkPattern(p, limits);
  };
  if (k === 'pattern' && typeof x === 'string') pattern(x);
  else if (k === 'patternProperties' && isObj(x)) for (const p of Object.keys(x)) pattern(p);
  else if (k === '$id' && !atRoot)
    throw new SchemaRejected('$id is only supported at the root of the schema');
  else if ((k === '$dynamicRef' || k === '$recursiveRef') && typeof x === 'string')
    throw new SchemaRejected(`${k} is not supported; use $ref to a local definition`);
  else if (k === '$ref' && typeof x === 'string') {
    if (++n.refs > limits.maxRefs)
      throw new SchemaRejected(`the schema has more than ${limits.maxRefs} $refs`);
    if (x !== '#' && !x.startsWith('#/'))
      throw new SchemaRejected(
        `$ref "${x.slice(0, 100)}" is not supported: only local JSON-pointer references ("#", "#/$defs/…") are`,
      );
  }
}

/**
 * Size, nesting, `$ref` count and every `pattern`/`patternProperties` regex over the whole
 * document, reachable or not (iterative: the input may be deep).
 */
function measure(schema: unknown, limits: SchemaLimits): void {
  let nodes = 0;
  const counts: Counts = { refs: 0, patterns: 0 };
  const stack: Array<[unknown, number, boolean]> = [[schema, 1, false]];
  while (stack.length > 0) {
    const [v, depth, data] = stack.pop() as [unknown, number, boolean];
    if (++nodes > limits.maxNodes)
      throw new SchemaRejected(`the schema has more than ${limits.maxNodes} nodes`);
    if (typeof v !== 'object' || v === null) continue;
    if (depth > limits.maxDepth)
      throw new SchemaRejected(`the schema is nested more than ${limits.maxDepth} levels deep`);
    if (Array.isArray(v)) {
      for (const x of v) stack.push([x, depth + 1, data]);
      continue;
    }
    for (const [k, x] of Object.entries(v as Obj)) {
      if (!data) checkKeyword(k, x, v === schema, limits, counts);
      stack.push([x, depth + 1, data || DATA.has(k)]);
    }
  }
}

function resolvePointer(root: unknown, ref: string): unknown {
  let cur = root;
  if (ref === '#') return cur;
  for (const raw of ref.slice(2).split('/')) {
    let part: string;
    try {
      part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      part = raw;
    }
    if (Array.isArray(cur)) cur = cur[Number(part)];
    else if (isObj(cur) && Object.hasOwn(cur, part)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

/**
 * Walks sets of schema nodes that apply to one instance value, level by level. Distinct named
 * properties lead to distinct children, so each name is its own path; `additionalProperties`,
 * `patternProperties`, `items` and the like may apply to any child, so they join every path.
 */
function expansion(root: unknown, limits: SchemaLimits): void {
  const ids = new Map<object, number>();
  const idOf = (o: object) => {
    let id = ids.get(o);
    if (id === undefined) {
      id = ids.size;
      ids.set(o, id);
    }
    return id;
  };
  const seen = new Set<string>();
  let steps = 0;
  const stepBudget = limits.maxExpansion * 200;

  // Every schema node reached from `start` without descending, with multiplicity.
  function closure(start: Array<Obj | boolean>): Obj[] {
    const out: Obj[] = [];
    const onPath = new Set<number>();
    const visit = (s: Obj | boolean): void => {
      if (++steps > stepBudget)
        throw new SchemaRejected('the schema is too complex to validate in bounded time');
      if (typeof s === 'boolean') return;
      const id = idOf(s);
      if (onPath.has(id))
        throw new SchemaRejected(
          'the schema has a $ref cycle that never descends into the value it validates',
        );
      out.push(s);
      if (out.length > limits.maxExpansion)
        throw new SchemaRejected(
          `more than ${limits.maxExpansion} schema nodes would apply to one value once $refs are followed`,
        );
      onPath.add(id);
      if (typeof s.$ref === 'string') {
        const target = resolvePointer(root, s.$ref);
        if (!isSchema(target))
          throw new SchemaRejected(`$ref "${s.$ref.slice(0, 100)}" does not resolve to a schema`);
        visit(target);
      }
      for (const k of SAME_ONE) if (isSchema(s[k])) visit(s[k] as Obj | boolean);
      for (const k of SAME_LIST)
        if (Array.isArray(s[k])) for (const x of s[k] as unknown[]) if (isSchema(x)) visit(x);
      for (const k of SAME_MAP)
        if (isObj(s[k])) for (const x of Object.values(s[k] as Obj)) if (isSchema(x)) visit(x);
      onPath.delete(id);
    };
    for (const s of start) visit(s);
    return out;
  }

  function level(start: Array<Obj | boolean>, depth: number): void {
    const nodes = closure(start);
    if (depth >= limits.maxInstanceDepth || nodes.length === 0) return;
    const key = `${depth}:${nodes
      .map(idOf)
      .sort((a, b) => a - b)
      .join(',')}`;
    if (seen.has(key)) return;
    seen.add(key);
    const any: Array<Obj | boolean> = [];
    const named = new Map<string, Array<Obj | boolean>>();
    const indexed: Array<Array<Obj | boolean>> = [];
    for (const s of nodes) {
      for (const k of CHILD_ONE) if (isSchema(s[k])) any.push(s[k] as Obj | boolean);
      if (isSchema(s.items)) any.push(s.items);
      if (isObj(s.patternProperties))
        for (const x of Object.values(s.patternProperties)) if (isSchema(x)) any.push(x);
      if (isObj(s.properties))
        for (const [name, x] of Object.entries(s.properties))
          if (isSchema(x)) {
            const list = named.get(name);
            if (list) list.push(x);
            else named.set(name, [x]);
          }
      const tuple = Array.isArray(s.prefixItems) ? s.prefixItems : Array.isArray(s.items) ? s.items : null;
      if (tuple)
        tuple.forEach((x: unknown, i: number) => {
          if (!isSchema(x)) return;
          if (indexed[i]) indexed[i].push(x);
          else indexed[i] = [x];
        });
    }
    if (any.length > 0) level(any, depth + 1);
    for (const list of named.values()) level(list.concat(any), depth + 1);
    for (const list of indexed) if (list) level(list.concat(any), depth + 1);
  }

  if (isSchema(root)) level([root], 0);
}

/** Throws SchemaRejected when `schema` (already parsed; `bytes` its JSON length) breaks a limit. */
export function checkSchemaLimits(schema: unknown, bytes: number, limits: SchemaLimits): void {
  if (bytes > limits.maxBytes)
    throw new SchemaRejected(`the schema is ${bytes} bytes long; at most ${limits.maxBytes} are accepted`);
  if (!isSchema(schema)) throw new SchemaRejected('a JSON Schema must be an object or a boolean');
  measure(schema, limits);
  expansion(schema, limits);
}

/** Depth of a parsed JSON value, stopping as soon as it exceeds `max` (iterative). */
export function exceedsDepth(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) return true;
    for (const x of Array.isArray(v) ? v : Object.values(v))
      if (typeof x === 'object' && x !== null) stack.push([x, d + 1]);
  }
  return false;
}
