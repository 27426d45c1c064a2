import { z } from 'zod';
import { KeelError } from '../../../errors.js';
import { parseDay } from '../../../value/roi/periods.js';

/**
 * Building blocks for the admin API's declared inputs. Each carries the message the route has
 * always answered with; mountAdminApi names the field (`param`) from where zod found the problem.
 */

/** `?include_revoked=true` (or `1`); anything else, or absent, is false. */
export const flag = z
  .string()
  .optional()
  .transform((v) => v === 'true' || v === '1');

/** A whole number from `min` to `max` written in a query string; `digits` refuses `1e3`, `+5`. */
export function wholeNumber(message: string, min: number, max = Number.MAX_SAFE_INTEGER, digits = false) {
  return z
    .string()
    .refine((v) => (!digits || /^\d+$/.test(v)) && Number.isInteger(Number(v)), message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message);
}

/** One of a fixed set of words. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, message: string) {
  return z.enum(values, { error: message });
}

/** A string of 1 to `max` characters. */
export function text(message: string, max: number) {
  return z.string({ error: message }).min(1, message).max(max, message);
}

/** A required string field of a body: 1 to 4096 characters. */
export function textField(field: string) {
  const bad = `${field} must be a non-empty string.`;
  return z
    .string({
      error: (iss) => (iss.input === undefined || iss.input === null ? `${field} is required.` : bad),
    })
    .min(1, bad)
    .max(4096, bad);
}

/** The same, optional: absent or null is undefined. */
export const optionalText = (field: string) =>
  textField(field)
    .nullish()
    .transform((v) => v ?? undefined);

/** A field the route requires, its value checked further on (by the store, which owns the rule). */
export function required(message: string) {
  return z.custom<unknown>((v) => v !== undefined, message);
}

/**
 * A value read by one of Keel's parsers that throw KeelError with their own message (dates,
 * granularities): the message is kept, the field named by zod. Query values are strings; a body
 * field passes `z.unknown()`.
 */
export function parsedBy<T, I = string>(parse: (v: I) => T, input: z.ZodType<I> = z.string() as never) {
  return input.transform((v, ctx): T => {
    try {
      return parse(v);
    } catch (e) {
      if (!(e instanceof KeelError)) throw e;
      ctx.addIssue({ code: 'custom', message: e.message });
      return z.NEVER;
    }
  });
}

/** A whole UTC day given as `from` or `to` (YYYY-MM-DD or ISO); an empty value is as if absent. */
export const day = (edge: 'from' | 'to') =>
  parsedBy((v) => (v === '' ? undefined : parseDay(v, edge, edge))).optional();

/**
 * Zod's first complaint as the one error taxonomy's `invalid_request`, naming the field. A name the
 * route does not know comes first (a typo should not pass as "field missing"), as it always did.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'query' | 'body',
): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const unknownKey = r.error.issues.find((i) => i.code === 'unrecognized_keys')?.keys[0]?.slice(0, 64);
  if (unknownKey !== undefined)
    throw new KeelError(
      'invalid_request',
      where === 'query'
        ? `Unknown query parameter "${unknownKey}".`
        : `Unknown field ${JSON.stringify(unknownKey)}.`,
      { param: unknownKey },
    );
  const issue = r.error.issues[0];
  if (issue?.code === 'invalid_type' && issue.path.length === 0)
    throw new KeelError('invalid_request', 'The request body must be a JSON object.');
  const param = issue?.path[0];
  throw new KeelError('invalid_request', issue?.message ?? 'Invalid request.', {
    param: typeof param === 'string' ? param.slice(0, 64) : null,
  });
}
