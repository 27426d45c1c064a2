/** Deeper than this, values are left as they are: arguments and results are JSON an agent or tool wrote. */
const MAX_DEPTH = 64;

/**
 * A copy of a JSON value with every string passed through `fn` (given its JSON Pointer), or the
 * value itself when `fn` changed nothing, so unchanged arguments and results are never copied.
 */
export function mapStrings(
  value: unknown,
  fn: (text: string, path: string) => string,
  path = '',
  depth = 0,
): unknown {
  if (typeof value === 'string') return fn(value, path);
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v = mapStrings(value[i], fn, `${path}/${i}`, depth + 1);
      if (v !== value[i]) {
        out ??= value.slice();
        out[i] = v;
      }
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | null = null;
  for (const [k, v0] of Object.entries(value)) {
    const v = mapStrings(v0, fn, `${path}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`, depth + 1);
    if (v !== v0) {
      out ??= { ...(value as Record<string, unknown>) };
      out[k] = v;
    }
  }
  return out ?? value;
}
