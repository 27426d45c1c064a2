import { KeelError } from '../errors.js';
import { isValidCidr } from './ip.js';
import { type BudgetPeriod, type EndpointScope, normalizeEndpoint } from './model.js';
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

/** A human-readable label (key name, team, use case, model or tool name): printable, no tricks. */
export function checkLabel(value: unknown, param: string, max = 100): string {
  if (typeof value !== 'string') throw invalid(param, `${param} must be a string.`);
  const length = [...value].length;
  if (length < 1 || length > max) throw invalid(param, `${param} must be 1 to ${max} characters long.`);
  if (UNSAFE.test(value))
    throw invalid(
      param,
      `${param} contains control, invisible or bidirectional characters, or unusual spaces; use printable text.`,
    );
  if (value.trim() !== value) throw invalid(param, `${param} must not start or end with a space.`);
  return value;
}

function checkList<T extends string>(value: unknown, param: string, item: (v: unknown, p: string) => T): T[] {
  if (!Array.isArray(value)) throw invalid(param, `${param} must be an array of strings.`);
  if (value.length > MAX_LIST) throw invalid(param, `${param} may hold at most ${MAX_LIST} entries.`);
  // Order matters for use_cases (the first is the default attribution), so dedupe keeps first wins.
  return [...new Set(value.map((v, i) => item(v, `${param}[${i}]`)))];
}

function checkPositiveInt(value: unknown, param: string): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_INT)
    throw invalid(param, `${param} must be a whole number from 1 to ${MAX_INT}, or null.`);
  return value;
}

function checkBudget(value: unknown, param: string): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1e12)
    throw invalid(param, `${param} must be a positive number of US dollars, or null.`);
  return value;
}

function checkPeriod(value: unknown, param: string): BudgetPeriod {
  if (value !== 'day' && value !== 'month' && value !== 'total')
    throw invalid(param, `${param} must be one of day, month, total.`);
  return value;
}

function checkExpiry(value: unknown, param: string, now: number): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value > MAX_TIME)
    throw invalid(param, `${param} must be a date (epoch milliseconds) or null.`);
  if (value <= now) throw invalid(param, `${param} must be in the future.`);
  return value;
}

function checkEndpoint(value: unknown, param: string): EndpointScope {
  const e = typeof value === 'string' ? normalizeEndpoint(value) : undefined;
  if (!e) throw invalid(param, `${param} must be one of chat, messages, embeddings, models.`);
  return e;
}

function checkCidr(value: unknown, param: string): string {
  if (typeof value !== 'string' || value.length > 64 || !isValidCidr(value))
    throw invalid(param, `${param} must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8.`);
  return value;
}

const pattern = (v: unknown, p: string) => checkLabel(v, p, 200);
const label = (v: unknown, p: string) => checkLabel(v, p, 100);

/**
 * Validate the fields present in `input` (absent = not being set; null = cleared). Returns a copy
 * holding only the validated fields, normalised (endpoint paths → scope names, lists deduped).
 */
export function validateKeyFields(input: Partial<KeyInput>, now: number): Partial<KeyInput> {
  const out: Partial<KeyInput> = {};
  if (input.name !== undefined) out.name = label(input.name, 'name');
  if (input.models !== undefined) out.models = checkList(input.models, 'models', pattern);
  if (input.endpoints !== undefined) out.endpoints = checkList(input.endpoints, 'endpoints', checkEndpoint);
  if (input.useCases !== undefined) out.useCases = checkList(input.useCases, 'use_cases', label);
  if (input.tools !== undefined) out.tools = checkList(input.tools, 'tools', pattern);
  if (input.team !== undefined) out.team = input.team === null ? null : label(input.team, 'team');
  if (input.maxTokens !== undefined) out.maxTokens = checkPositiveInt(input.maxTokens, 'max_tokens');
  if (input.rpm !== undefined) out.rpm = checkPositiveInt(input.rpm, 'rpm');
  if (input.tpm !== undefined) out.tpm = checkPositiveInt(input.tpm, 'tpm');
  if (input.budgetUsd !== undefined) out.budgetUsd = checkBudget(input.budgetUsd, 'budget_usd');
  if (input.budgetPeriod !== undefined) out.budgetPeriod = checkPeriod(input.budgetPeriod, 'budget_period');
  if (input.expiresAt !== undefined) out.expiresAt = checkExpiry(input.expiresAt, 'expires_at', now);
  if (input.allowedCidrs !== undefined)
    out.allowedCidrs = checkList(input.allowedCidrs, 'allowed_cidrs', checkCidr);
  return out;
}

/** A grace period for rotation, in whole seconds (at most a year). */
export function checkGraceSeconds(value: unknown, param = 'grace_s'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 366 * 86_400)
    throw invalid(param, `${param} must be a whole number of seconds from 0 to ${366 * 86_400}.`);
  return value;
}
