import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { compileSafeRegex } from '../../schemas/regex.js';
import { STAT_TESTS } from '../drift/stattests.js';

/**
 * The data contract language (YAML). Example:
 *
 *   name: wine-quality
 *   dataset: wine-red            # results are stored against this registered dataset
 *   columns:
 *     pH:        { type: number, nullable: false, min: 2.5, max: 4.5 }
 *     quality:   { type: integer, allowed: [3, 4, 5, 6, 7, 8, 9] }
 *     email:     { type: string, regex: '^[^@\s]+@[^@\s]+$', max_length: 254, unique: true }
 *     ts:        { type: datetime }
 *   rules:
 *     row_count: { min: 100, max: 1000000 }
 *     freshness: { column: ts, max_age: 24h }
 *     duplicate_rows: { max: 0 }
 *   drift:
 *     reference: wine-red@1      # registered version or a file path
 *     method: auto
 *     max_share: 0.5             # fail when ≥ this share of columns drift (Evidently's dataset drift)
 *
 * `columns` may also be a list of `{ name, … }`. Every column listed must be present unless
 * `required: false`; columns not listed are allowed unless `rules.unknown_columns: fail`.
 */

const COLUMN_TYPES = ['number', 'integer', 'string', 'boolean', 'date', 'datetime', 'any'] as const;

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const duration = z.union([
  z.number().positive(),
  z.string().regex(/^\d+(?:\.\d+)?\s*(?:ms|s|m|h|d|w)$/, 'use a duration such as 30m, 24h or 7d'),
]);

const columnRuleSchema = z
  .object({
    type: z.enum(COLUMN_TYPES).default('any'),
    nullable: z.boolean().default(true),
    required: z.boolean().default(true),
    unique: z.boolean().default(false),
    allowed: z.array(scalar).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    regex: z
      .string()
      .superRefine((r, ctx) => {
        try {
          compileSafeRegex(r, 'u');
        } catch (e) {
          ctx.addIssue({ code: 'custom', message: (e as Error).message });
        }
      })
      .optional(),
    min_length: z.number().int().min(0).optional(),
    max_length: z.number().int().min(0).optional(),
    description: z.string().optional(),
  })
  .strict();

const namedColumn = columnRuleSchema.extend({ name: z.string().min(1) });

export const contractSchema = z
  .object({
    name: z.string().min(1),
    dataset: z.string().optional(),
    description: z.string().optional(),
    columns: z.preprocess(
      (c) =>
        c && typeof c === 'object' && !Array.isArray(c)
          ? Object.entries(c).map(([name, rule]) => ({ ...(rule ?? {}), name }))
          : (c ?? []),
      z.array(namedColumn),
    ),
    rules: z
      .object({
        row_count: z
          .object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() })
          .strict()
          .optional(),
        freshness: z.object({ column: z.string(), max_age: duration }).strict().optional(),
        duplicate_rows: z
          .union([z.boolean(), z.object({ max: z.number().int().min(0).default(0) }).strict()])
          .optional(),
        unknown_columns: z.enum(['allow', 'fail']).default('allow'),
      })
      .strict()
      .default({ unknown_columns: 'allow' }),
    drift: z
      .object({
        reference: z.string().min(1),
        method: z.enum(['auto', ...STAT_TESTS]).default('auto'),
        threshold: z.number().positive().optional(),
        columns: z.array(z.string()).optional(),
        max_share: z.number().min(0).max(1).default(0.5),
      })
      .strict()
      .optional(),
  })
  .strict();

export type Contract = z.output<typeof contractSchema>;
export type ContractColumn = Contract['columns'][number];

export class ContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractError';
  }
}

export function parseContract(text: string, source = 'contract'): Contract {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ContractError(`${source}: not valid YAML (${(e as Error).message})`);
  }
  const r = contractSchema.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue
      ? issue.path.map((p, i) => (i === 1 && issue.path[0] === 'columns' ? columnName(doc, p) : String(p)))
      : [];
    throw new ContractError(
      `${source}: ${issue ? `${where.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
    );
  }
  return r.data;
}

/** Name the column an issue path points at (columns may be a map or a list). */
function columnName(doc: unknown, index: PropertyKey): string {
  const cols = (doc as { columns?: unknown })?.columns;
  if (typeof index !== 'number' || !cols || typeof cols !== 'object') return String(index);
  const name = Array.isArray(cols) ? (cols[index] as { name?: unknown })?.name : Object.keys(cols)[index];
  return typeof name === 'string' ? name : String(index);
}

export async function loadContract(file: string): Promise<Contract> {
  return parseContract(await readFile(file, 'utf8'), file);
}

/** Milliseconds in a duration such as "24h" (a bare number is seconds). */
export function durationMs(d: number | string): number {
  if (typeof d === 'number') return d * 1000;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/.exec(d) as RegExpExecArray;
  const unit = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}
