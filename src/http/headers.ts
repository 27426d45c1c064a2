/** The client headers the pipeline reads, lower-cased; everything else is never copied. */
export const WANTED_HEADERS = [
  'authorization',
  'x-api-key',
  'anthropic-version',
  'anthropic-beta',
  'x-keel-use-case',
  'x-keel-team',
  'x-keel-user',
  'x-keel-feature',
  'x-keel-trace-id',
  'traceparent',
  'tracestate',
] as const;

export function pickHeaders(h: Headers): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const name of WANTED_HEADERS) {
    const v = h.get(name);
    if (v !== null) out[name] = v;
  }
  return out;
}
