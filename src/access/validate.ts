import { z } from 'zod';
import { SERVER_ID } from '../config/mcp.js';
import { KeelError } from '../errors.js';
import { isValidCidr } from './ip.js';
import { type EndpointScope, normalizeEndpoint } from './model.js';
import type { KeyInput } from './store.js';

/**
 * Validation of what admins set on keys. Shared by the store (the last line) and the admin API, so
 * the CLI, the API and any future caller get the same rules and the same `param` in errors.
 */

/**
 * Characters that make a name look like something it is not: control and format characters (bidi
 * overrides, zero-width joiners, BOM), line/paragraph separators, private-use, unassigned and lone
 * surrogates, every space but U+0020 (NBSP, ideographic space … pad or spoof names), and the
 * letters and marks that render as nothing (Hangul fillers, braille blank, grapheme joiner).
 */
const UNSAFE =
  /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0\u2800]|\u034F|(?! )\p{Zs}/u;

const MAX_INT = 2_147_483_647;
/** 9999-12-31: anything later is a typo, and stays inside every date API. */
const MAX_TIME = 253_402_300_799_999;
const MAX_LIST = 1000;

export function invalid(param: string, message: string): KeelError {
  return new KeelError('invalid_request', message, { param });
}

/** Written into messages where the field's name goes: `use_cases[2]` for an item of a list. */
const P = '{param}';

/** A human-readable label (key name, team, use case, model or tool name): printable, no tricks. */
const labelSchema = (max: number) =>
  z
    .string({ error: `${P} must be a string.` })
    .refine((v) => [...v].length >= 1 && [...v].length <= max, `${P} must be 1 to ${max} characters long.`)
    .refine(
      (v) => !UNSAFE.test(v),
      `${P} contains control, invisible or bidirectional characters, or unusual spaces; use printable text.`,
    )
    .refine((v) => v.trim() === v, `${P} must not start or end with a space.`);

/** Order matters for use_cases (the first is the default attribution), so dedupe keeps first wins. */
const listSchema = <T extends z.ZodType<string>>(item: T) =>
  z
    .array(z.unknown(), { error: `${P} must be an array of strings.` })
    .max(MAX_LIST, `${P} may hold at most ${MAX_LIST} entries.`)
    .pipe(z.array(item))
    .transform((v) => [...new Set(v)]);

const oneMessage = (message: string) => ({ error: message });

const positiveInt = (() => {
  const m = oneMessage(`${P} must be a whole number from 1 to ${MAX_INT}, or null.`);
  return z.number(m).int(m).min(1, m).max(MAX_INT, m).nullable();
})();

const budget = (() => {
  const m = oneMessage(`${P} must be a positive number of US dollars, or null.`);
  return z.number(m).positive(m).max(1e12, m).nullable();
})();

const expiry = (() => {
  const m = oneMessage(`${P} must be a date (epoch milliseconds) or null.`);
  return z.number(m).int(m).max(MAX_TIME, m).nullable();
})();

const endpoint = z.unknown().transform((v, ctx): EndpointScope => {
  const e = typeof v === 'string' ? normalizeEndpoint(v) : undefined;
  if (e) return e;
  ctx.addIssue({ code: 'custom', message: `${P} must be one of chat, messages, embeddings, models.` });
  return z.NEVER;
});

const cidr = z
  .string({ error: `${P} must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8.` })
  .refine((v) => v.length <= 64 && isValidCidr(v), `${P} must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8.`);

const pattern = labelSchema(200);

/**
 * An MCP server id as keel.yaml `mcp_servers[].id` spells it, or `*`. Ids not configured (yet) are
 * accepted: keys live in the store and servers in each deployment's keel.yaml, so a key may name a
 * server before it is added, and one that is removed simply grants nothing.
 */
const mcpServer = z
  .string({ error: `${P} must be a server id (lower-case letters, digits, - or _) or *.` })
  .refine(
    (v) => v === '*' || (SERVER_ID.test(v) && !v.endsWith('_')),
    `${P} must be a server id (lower-case letters, digits, - or _) or *.`,
  );
const label = labelSchema(100);

/** Key fields in the order they are checked, with the name the admin API gives each. */
const keyFields = z.object({
  name: label.optional(),
  models: listSchema(pattern).optional(),
  endpoints: listSchema(endpoint).optional(),
  useCases: listSchema(label).optional(),
  tools: listSchema(pattern).optional(),
  mcpServers: listSchema(mcpServer).optional(),
  mcpTools: listSchema(pattern).optional(),
  team: label.nullable().optional(),
  maxTokens: positiveInt.optional(),
  rpm: positiveInt.optional(),
  tpm: positiveInt.optional(),
  budgetUsd: budget.optional(),
  budgetPeriod: z
    .enum(['day', 'month', 'total'], { error: `${P} must be one of day, month, total.` })
    .optional(),
  expiresAt: expiry.optional(),
  allowedCidrs: listSchema(cidr).optional(),
});

const PARAM: Partial<Record<string, string>> = {
  useCases: 'use_cases',
  mcpServers: 'mcp_servers',
  mcpTools: 'mcp_tools',
  maxTokens: 'max_tokens',
  budgetUsd: 'budget_usd',
  budgetPeriod: 'budget_period',
  expiresAt: 'expires_at',
  allowedCidrs: 'allowed_cidrs',
};

/** Zod's first complaint as `invalid_request`, naming the field as the admin API spells it. */
function firstIssue(e: z.ZodError, rename: (key: string) => string = (k) => k): KeelError {
  const issue = e.issues[0];
  const [head, ...rest] = issue?.path ?? [];
  const param = `${rename(String(head ?? 'body'))}${rest.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
  return invalid(param, (issue?.message ?? `${P} is invalid.`).replaceAll(P, param));
}

/** A label checked on its own (a key's name is required on create). */
export function checkLabel(value: unknown, param: string, max = 100): string {
  const r = (max === 100 ? label : labelSchema(max)).safeParse(value);
  if (!r.success) throw firstIssue(r.error, () => param);
  return r.data;
}

/**
 * Validate the fields present in `input` (absent = not being set; null = cleared). Returns a copy
 * holding only the validated fields, normalised (endpoint paths → scope names, lists deduped).
 */
export function validateKeyFields(input: Partial<KeyInput>, now: number): Partial<KeyInput> {
  const r = keyFields.safeParse(input);
  if (!r.success) throw firstIssue(r.error, (k) => PARAM[k] ?? k);
  const out: Partial<KeyInput> = {};
  for (const [k, v] of Object.entries(r.data)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  if (typeof out.expiresAt === 'number' && out.expiresAt <= now)
    throw invalid('expires_at', 'expires_at must be in the future.');
  return out;
}

const graceSeconds = (() => {
  const m = oneMessage(`${P} must be a whole number of seconds from 0 to ${366 * 86_400}.`);
  return z
    .number(m)
    .int(m)
    .min(0, m)
    .max(366 * 86_400, m);
})();

/** A grace period for rotation, in whole seconds (at most a year). */
export function checkGraceSeconds(value: unknown, param = 'grace_s'): number {
  const r = graceSeconds.safeParse(value);
  if (!r.success) throw firstIssue(r.error, () => param);
  return r.data;
}
