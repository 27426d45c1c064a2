/** `lastError` → `last_error`, `p50LatencyMs` → `p50_latency_ms`: the wire's names, as a type. */
export type SnakeCase<S extends string> = S extends `${infer C}${infer R}`
  ? `${C extends Lowercase<C> ? C : `_${Lowercase<C>}`}${SnakeCase<R>}`
  : S;

export type SnakeKeys<T> = { [K in keyof T & string as SnakeCase<K>]: T[K] };

/** A plain record's own fields under their snake_case names (values as they are), for an answer's body. */
export function snakeKeys<T extends object>(o: T): SnakeKeys<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
  return out as SnakeKeys<T>;
}
