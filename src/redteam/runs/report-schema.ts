import { z } from 'zod';
import {
  type Attempt,
  CATEGORIES,
  OWASP_2025,
  type RedteamReport,
  STRATEGIES,
  type Tally,
} from '../types.js';

/**
 * A red-team report as `POST /api/redteam/runs` accepts it: the RedteamReport of ../types.ts, checked
 * field by field (unknown categories, strategies or fields refused), with every string and list
 * bounded. `attempts` may come along; the store drops them.
 */

const OWASP_IDS = Object.keys(OWASP_2025) as [keyof typeof OWASP_2025, ...(keyof typeof OWASP_2025)[]];

const count = z.number().int().min(0).max(1e9);
const rate = z.number().min(0).max(1);
const shortText = (max: number) => z.string().max(max);
const category = z.enum(CATEGORIES);
const strategy = z.enum(STRATEGIES);
const owasp = z.enum(OWASP_IDS);
const isoTime = z.iso.datetime({ offset: true });

const tally = {
  attacks: count,
  blocked: count,
  succeeded: count,
  resisted: count,
  benign: count,
  false_positives: count,
  errors: count,
} satisfies Record<keyof Tally, z.ZodType>;

const attemptSchema = z
  .object({
    probe_id: shortText(300),
    category,
    owasp,
    strategy,
    kind: z.enum(['attack', 'benign']),
    title: shortText(500),
    outcome: z.enum(['blocked', 'succeeded', 'resisted', 'false_positive', 'passed', 'error']),
    status: z.number().int().min(0).max(999),
    error_code: shortText(200).optional(),
    evidence: shortText(200).optional(),
    latency_ms: z.number().min(0),
    // The runner cuts excerpts to 2,000 characters; masking may lengthen them a little.
    request_excerpt: shortText(4000),
    response_excerpt: shortText(4000),
  })
  .strict();

export const redteamReportSchema = z
  .object({
    summary: z
      .object({
        attacks: count,
        attack_success_rate: rate,
        benign: count,
        false_positive_rate: rate,
        score: z.number().min(0).max(100),
      })
      .strict(),
    report_version: z.literal(1),
    corpus_version: z.string().min(1).max(100),
    started_at: isoTime,
    finished_at: isoTime,
    duration_ms: z.number().min(0),
    target: z
      .object({
        url: z.string().min(1).max(2000),
        model: z.string().min(1).max(200),
        use_case: z.string().min(1).max(200).optional(),
      })
      .strict(),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    samples: z.number().int().min(0).max(1e6),
    categories: z.array(category).max(CATEGORIES.length),
    strategies: z.array(strategy).max(STRATEGIES.length),
    errors: count,
    by_category: z.array(z.object({ ...tally, category, owasp }).strict()).max(CATEGORIES.length),
    by_strategy: z.array(z.object({ ...tally, strategy }).strict()).max(STRATEGIES.length),
    worst: z.array(attemptSchema).max(25),
    attempts: z.array(attemptSchema).max(200_000).optional(),
  })
  .strict();

/**
 * Compile-time proof that the schema is the contract: each side must be assignable to the other,
 * so a field added to (or changed in) RedteamReport without this schema, or the reverse, fails
 * `tsc`.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const reportMatches: Same<z.output<typeof redteamReportSchema>, RedteamReport> = true;
const attemptMatches: Same<z.output<typeof attemptSchema>, Attempt> = true;
void reportMatches;
void attemptMatches;
