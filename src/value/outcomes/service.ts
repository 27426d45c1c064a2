import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Principal } from '../../access/principal.js';
import { KeelError } from '../../errors.js';
import type { Database, KeelSchema } from '../../store/db.js';
import { DAY_MS } from '../../store/rollups/sql.js';
import { type FeedbackBody, type OutcomeBody, parseFeedback, parseOutcome } from './parse.js';

export interface Outcome {
  id: string;
  requestId: string | null;
  traceId: string | null;
  useCase: string;
  type: string;
  success: boolean;
  valueUsd: number | null;
  occurredAt: number;
  receivedAt: number;
  metadata: Record<string, unknown> | null;
  idempotencyKey: string | null;
}

export interface Feedback {
  id: string;
  requestId: string | null;
  traceId: string | null;
  useCase: string;
  score: number;
  rawScore: number;
  scale: string;
  comment: string | null;
  at: number;
  receivedAt: number;
}

interface OutcomeServiceDeps {
  database: Database;
  /** Write buffered usage events, so an outcome reported right after its call can find it. */
  flushUsage?: () => Promise<void>;
  now?: () => number;
}

export interface OutcomeService {
  /** Validate, link to the call or trace, store; replays of an idempotency key return the first outcome. */
  recordOutcome(
    body: unknown,
    principal: Principal | null,
    opts?: { idempotencyKey?: string | null },
  ): Promise<{ outcome: Outcome; created: boolean }>;
  recordFeedback(body: unknown, principal: Principal | null): Promise<Feedback>;
}

interface Link {
  useCase: string;
  /** Time of the linked call, or of the trace's first call. */
  ts: number;
  traceId: string | null;
}

/**
 * Outcomes and feedback: what happened after a call. Each insert updates the day's outcome rollup in
 * the same transaction, so value queries never scan raw outcomes and never miss or double count one.
 *
 * Use case: the body's `use_case`, else the linked call's (or the trace's dominant one), else the
 * key's bound use case. A key restricted to use cases may only report on those, like its calls.
 * An outcome counts in the period of `occurred_at`, else of its linked call (a late outcome lands
 * next to the cost it explains), else of its arrival.
 */
export function createOutcomeService(deps: OutcomeServiceDeps): OutcomeService {
  const { database } = deps;
  const { db } = database;
  const now = deps.now ?? Date.now;

  async function findLink(b: { requestId: string | null; traceId: string | null }, keyId: string | null) {
    const lookup = async (): Promise<Link | null> => {
      if (b.requestId) {
        let q = db
          .selectFrom('usage_events')
          .select(['use_case', 'ts', 'trace_id'])
          .where('request_id', '=', b.requestId);
        if (keyId) q = q.where('key_id', '=', keyId);
        const r = await q.executeTakeFirst();
        if (r) return { useCase: r.use_case, ts: Number(r.ts), traceId: b.traceId ?? r.trace_id };
        if (!b.traceId) return null;
      }
      if (b.traceId) {
        let q = db
          .selectFrom('usage_events')
          .select((eb) => ['use_case', eb.fn.min('ts').as('first'), eb.fn.countAll().as('n')])
          .where('trace_id', '=', b.traceId)
          .groupBy('use_case');
        if (keyId) q = q.where('key_id', '=', keyId);
        const rows = await q.execute();
        if (rows.length === 0) return null;
        // A trace normally stays in one use case; if not, the one with most calls owns the outcome.
        rows.sort((x, y) => Number(y.n) - Number(x.n) || x.use_case.localeCompare(y.use_case));
        const first = Math.min(...rows.map((r) => Number(r.first)));
        return { useCase: rows[0]!.use_case, ts: first, traceId: b.traceId };
      }
      return null;
    };
    if (!b.requestId && !b.traceId) return null;
    const found = await lookup();
    if (found || !deps.flushUsage) return found;
    await deps.flushUsage();
    return lookup();
  }

  /** Use case and counting time for an outcome or feedback; enforces the key's use-case scope. */
  async function resolve(
    b: { requestId: string | null; traceId: string | null; useCase: string | null },
    principal: Principal | null,
  ): Promise<{ useCase: string; link: Link | null }> {
    const keyId = principal?.scopes ? principal.keyId : null;
    const link = await findLink(b, keyId);
    if ((b.requestId || b.traceId) && !link && !b.useCase && !principal?.useCase)
      throw new KeelError(
        'not_found',
        b.requestId
          ? `No call with request_id "${b.requestId.slice(0, 200)}" was found; pass use_case to record it anyway.`
          : `No call with trace_id "${(b.traceId ?? '').slice(0, 200)}" was found; pass use_case to record it anyway.`,
        { param: b.requestId ? 'request_id' : 'trace_id' },
      );
    const useCase = b.useCase ?? link?.useCase ?? principal?.useCase;
    if (!useCase)
      throw new KeelError(
        'invalid_request',
        'use_case is required when neither request_id nor trace_id is given.',
        {
          param: 'use_case',
        },
      );
    const allowed = principal?.scopes?.useCases;
    if (allowed && allowed.length > 0 && !allowed.includes(useCase))
      throw new KeelError(
        'permission_denied',
        `This API key may not report on the use case \`${useCase.slice(0, 200)}\`. (scope: use_cases)`,
        { param: 'use_case' },
      );
    return { useCase, link };
  }

  return {
    async recordOutcome(body, principal, opts = {}) {
      const t = now();
      const b: OutcomeBody = parseOutcome(body, t, opts.idempotencyKey);
      const reporter = principal?.keyId ?? '';
      if (b.idempotencyKey) {
        const prior = await findByKey(db, reporter, b.idempotencyKey);
        if (prior) return { outcome: prior, created: false };
      }
      const { useCase, link } = await resolve(b, principal);
      const outcome: Outcome = {
        id: `out_${randomUUID().replaceAll('-', '')}`,
        requestId: b.requestId,
        traceId: b.traceId ?? link?.traceId ?? null,
        useCase,
        type: b.type,
        success: b.success,
        valueUsd: b.valueUsd,
        occurredAt: b.occurredAt ?? link?.ts ?? t,
        receivedAt: t,
        metadata: b.metadata === null ? null : (JSON.parse(b.metadata) as Record<string, unknown>),
        idempotencyKey: b.idempotencyKey,
      };
      const created = await db.transaction().execute(async (trx) => {
        const r = await trx
          .insertInto('outcomes')
          .values({
            id: outcome.id,
            reporter,
            idempotency_key: outcome.idempotencyKey,
            request_id: outcome.requestId,
            trace_id: outcome.traceId,
            use_case: outcome.useCase,
            type: outcome.type,
            success: outcome.success ? 1 : 0,
            value_usd: outcome.valueUsd,
            occurred_at: outcome.occurredAt,
            received_at: t,
            metadata: b.metadata,
          })
          .onConflict((oc) => oc.columns(['reporter', 'idempotency_key']).doNothing())
          .executeTakeFirst();
        if (Number(r.numInsertedOrUpdatedRows ?? 0) === 0) return false;
        await bumpRollup(trx, dayOf(outcome.occurredAt), useCase, {
          outcomes: 1,
          successes: outcome.success ? 1 : 0,
          value_usd: outcome.valueUsd ?? 0,
          successes_unvalued: outcome.success && outcome.valueUsd === null ? 1 : 0,
          feedback_count: 0,
          feedback_sum: 0,
        });
        return true;
      });
      if (!created) {
        // Lost a race with a concurrent replay of the same key: the first one stands.
        const prior = b.idempotencyKey ? await findByKey(db, reporter, b.idempotencyKey) : undefined;
        if (prior) return { outcome: prior, created: false };
      }
      return { outcome, created: true };
    },

    async recordFeedback(body, principal) {
      const t = now();
      const b: FeedbackBody = parseFeedback(body);
      const { useCase, link } = await resolve(b, principal);
      const fb: Feedback = {
        id: `fb_${randomUUID().replaceAll('-', '')}`,
        requestId: b.requestId,
        traceId: b.traceId ?? link?.traceId ?? null,
        useCase,
        score: b.score,
        rawScore: b.rawScore,
        scale: b.scale,
        comment: b.comment,
        at: link?.ts ?? t,
        receivedAt: t,
      };
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('feedback')
          .values({
            id: fb.id,
            reporter: principal?.keyId ?? '',
            request_id: fb.requestId,
            trace_id: fb.traceId,
            use_case: useCase,
            score: fb.score,
            raw_score: fb.rawScore,
            scale: fb.scale,
            comment: fb.comment,
            at: fb.at,
            received_at: t,
          })
          .execute();
        await bumpRollup(trx, dayOf(fb.at), useCase, {
          outcomes: 0,
          successes: 0,
          value_usd: 0,
          successes_unvalued: 0,
          feedback_count: 1,
          feedback_sum: fb.score,
        });
      });
      return fb;
    },
  };
}

function dayOf(t: number): number {
  return Math.floor(t / DAY_MS) * DAY_MS;
}

type RollupAdd = {
  outcomes: number;
  successes: number;
  value_usd: number;
  successes_unvalued: number;
  feedback_count: number;
  feedback_sum: number;
};

async function bumpRollup(trx: Transaction<KeelSchema>, day: number, useCase: string, add: RollupAdd) {
  await trx
    .insertInto('outcome_rollups')
    .values({ day, use_case: useCase, ...add })
    .onConflict((oc) =>
      oc.columns(['day', 'use_case']).doUpdateSet((eb) => ({
        outcomes: eb('outcome_rollups.outcomes', '+', eb.ref('excluded.outcomes')),
        successes: eb('outcome_rollups.successes', '+', eb.ref('excluded.successes')),
        value_usd: eb('outcome_rollups.value_usd', '+', eb.ref('excluded.value_usd')),
        successes_unvalued: eb(
          'outcome_rollups.successes_unvalued',
          '+',
          eb.ref('excluded.successes_unvalued'),
        ),
        feedback_count: eb('outcome_rollups.feedback_count', '+', eb.ref('excluded.feedback_count')),
        feedback_sum: eb('outcome_rollups.feedback_sum', '+', eb.ref('excluded.feedback_sum')),
      })),
    )
    .execute();
}

async function findByKey(
  db: Kysely<KeelSchema>,
  reporter: string,
  key: string,
): Promise<Outcome | undefined> {
  const r = await db
    .selectFrom('outcomes')
    .selectAll()
    .where('reporter', '=', reporter)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  return r ? outcomeFromRow(r) : undefined;
}

/** An outcomes row as an Outcome (SQLite and PostgreSQL return numbers in different shapes). */
export function outcomeFromRow(r: Selectable<KeelSchema['outcomes']>): Outcome {
  return {
    id: r.id,
    requestId: r.request_id,
    traceId: r.trace_id,
    useCase: r.use_case,
    type: r.type,
    success: Number(r.success) === 1,
    valueUsd: r.value_usd === null ? null : Number(r.value_usd),
    occurredAt: Number(r.occurred_at),
    receivedAt: Number(r.received_at),
    metadata: r.metadata === null ? null : (JSON.parse(r.metadata) as Record<string, unknown>),
    idempotencyKey: r.idempotency_key,
  };
}

export function publicOutcome(o: Outcome) {
  return {
    id: o.id,
    object: 'outcome' as const,
    request_id: o.requestId,
    trace_id: o.traceId,
    use_case: o.useCase,
    type: o.type,
    success: o.success,
    value_usd: o.valueUsd,
    occurred_at: new Date(o.occurredAt).toISOString(),
    received_at: new Date(o.receivedAt).toISOString(),
    metadata: o.metadata,
    idempotency_key: o.idempotencyKey,
  };
}

export function publicFeedback(f: Feedback) {
  return {
    id: f.id,
    object: 'feedback' as const,
    request_id: f.requestId,
    trace_id: f.traceId,
    use_case: f.useCase,
    score: f.score,
    raw_score: f.rawScore,
    scale: f.scale,
    comment: f.comment,
    at: new Date(f.at).toISOString(),
    received_at: new Date(f.receivedAt).toISOString(),
  };
}
