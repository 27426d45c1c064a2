import { z } from 'zod';
import { KeelError } from '../../errors.js';

/**
 * Wire validation of POST /v1/outcomes and POST /v1/feedback bodies. Errors name the offending
 * field (`param`) so SDK users see which one to fix; they are rendered in the OpenAI error shape.
 */

const MAX_METADATA_BYTES = 16 * 1024;
/** Outcomes may be late by days, but not from the future (beyond clock skew). */
const MAX_FUTURE_MS = 5 * 60_000;
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

const UNPRINTABLE = /[\p{Cc}\p{Cf}]/u;
const id = z.string().min(1).max(200);
const label = z
  .string()
  .min(1)
  .max(200)
  .refine(
    (s) => s.trim() === s && !UNPRINTABLE.test(s),
    'must be printable text without leading or trailing spaces',
  );

const outcomeSchema = z
  .object({
    request_id: id.optional(),
    trace_id: id.optional(),
    use_case: label.optional(),
    type: label,
    success: z.boolean(),
    value_usd: z.number().finite().min(-1e9).max(1e9).optional(),
    occurred_at: z.union([z.string(), z.number().int().nonnegative()]).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    idempotency_key: id.optional(),
  })
  .strict();

const feedbackSchema = z
  .object({
    request_id: id.optional(),
    trace_id: id.optional(),
    use_case: label.optional(),
    score: z.number().finite(),
    /** signed: −1..1 (thumbs down/up = −1/1); five_point: 1..5 stars. Inferred when absent. */
    scale: z.enum(['signed', 'five_point']).optional(),
    comment: z.string().max(4000).optional(),
  })
  .strict();

export interface OutcomeBody {
  requestId: string | null;
  traceId: string | null;
  useCase: string | null;
  type: string;
  success: boolean;
  valueUsd: number | null;
  occurredAt: number | null;
  metadata: string | null;
  idempotencyKey: string | null;
}

export interface FeedbackBody {
  requestId: string | null;
  traceId: string | null;
  useCase: string | null;
  rawScore: number;
  scale: 'signed' | 'five_point';
  /** −1 (worst) … 1 (best). */
  score: number;
  comment: string | null;
}

export function parseOutcome(body: unknown, now: number, headerKey?: string | null): OutcomeBody {
  const r = outcomeSchema.safeParse(body);
  if (!r.success) throw zodError(r.error);
  const b = r.data;
  let metadata: string | null = null;
  if (b.metadata !== undefined) {
    metadata = JSON.stringify(b.metadata);
    if (Buffer.byteLength(metadata) > MAX_METADATA_BYTES)
      throw invalid('metadata', `metadata must serialise to at most ${MAX_METADATA_BYTES} bytes.`);
  }
  return {
    requestId: b.request_id ?? null,
    traceId: b.trace_id ?? null,
    useCase: b.use_case ?? null,
    type: b.type,
    success: b.success,
    valueUsd: b.value_usd ?? null,
    occurredAt: b.occurred_at === undefined ? null : parseTime(b.occurred_at, now),
    metadata,
    idempotencyKey: b.idempotency_key ?? headerKey ?? null,
  };
}

export function parseFeedback(body: unknown): FeedbackBody {
  const r = feedbackSchema.safeParse(body);
  if (!r.success) throw zodError(r.error);
  const b = r.data;
  if (!b.request_id && !b.trace_id) throw invalid('request_id', 'Either request_id or trace_id is required.');
  const { scale, score } = normaliseScore(b.score, b.scale);
  return {
    requestId: b.request_id ?? null,
    traceId: b.trace_id ?? null,
    useCase: b.use_case ?? null,
    rawScore: b.score,
    scale,
    score,
    comment: b.comment ?? null,
  };
}

/**
 * Scores land on −1…1. Signed scores (−1…1) are kept; five-point scores (1…5) map linearly with
 * 3 as neutral: 1 → −1, 2 → −0.5, 3 → 0, 4 → 0.5, 5 → 1. Without `scale`, a score in −1…1 is
 * signed and one in (1, 5] is five-point — so a 1-star rating must say `scale: "five_point"`.
 */
export function normaliseScore(
  raw: number,
  scale?: 'signed' | 'five_point',
): { scale: 'signed' | 'five_point'; score: number } {
  const s = scale ?? (raw >= -1 && raw <= 1 ? 'signed' : 'five_point');
  if (s === 'signed') {
    if (raw < -1 || raw > 1) throw invalid('score', 'score must be between -1 and 1 on the signed scale.');
    return { scale: s, score: raw };
  }
  if (raw < 1 || raw > 5)
    throw invalid('score', 'score must be between -1 and 1 (signed) or between 1 and 5 (five_point).');
  return { scale: s, score: (raw - 3) / 2 };
}

function parseTime(v: string | number, now: number): number {
  const t = typeof v === 'number' ? v : ISO.test(v) ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(t))
    throw invalid('occurred_at', 'occurred_at must be an ISO 8601 date or epoch milliseconds.');
  if (t > now + MAX_FUTURE_MS) throw invalid('occurred_at', 'occurred_at is in the future.');
  return t;
}

function invalid(param: string, message: string): KeelError {
  return new KeelError('invalid_request', message, { param });
}

function zodError(e: z.ZodError): KeelError {
  const issue = e.issues[0];
  if (!issue) return new KeelError('invalid_request', 'Invalid request body.');
  if (issue.code === 'unrecognized_keys') {
    const k = String(issue.keys[0] ?? '').slice(0, 64);
    return invalid(k, `Unknown field ${JSON.stringify(k)}.`);
  }
  const param = issue.path.map(String).join('.');
  return new KeelError('invalid_request', `${param || 'body'}: ${issue.message}`, { param: param || null });
}
