import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../access/principal.js';
import { openDatabase } from '../store/db.js';
import { DAY_MS, HOUR_MS } from '../store/rollups/sql.js';
import { STORES } from '../store/testkit.js';
import { normaliseScore } from '../value/outcomes/parse.js';
import { createOutcomeService } from '../value/outcomes/service.js';
import { clock, usageEvent, type ValueHarness, valueHarness, writeEvents } from '../value/testkit.js';

const T0 = Date.UTC(2026, 2, 10, 12);
const KEY = 'sk-outcomes-0123456789';
const BOUND = 'sk-bound-0123456789ab';

describe.each(STORES)('POST /v1/outcomes and /v1/feedback ($name)', (store) => {
  let h: ValueHarness;
  afterEach(async () => {
    await h?.close();
  });

  it('links outcomes to calls and traces, is idempotent, and answers errors in the OpenAI shape', async () => {
    const c = clock(T0);
    h = await valueHarness(
      await store.fresh(),
      {
        auth: {
          keys: [
            { name: 'app', key: KEY },
            { name: 'bound', key: BOUND, use_case: 'bound-uc' },
          ],
        },
        use_cases: [{ id: 'triage', value_per_outcome_usd: 1 }],
      },
      { now: c.now },
    );
    // Three calls of one trace, one lone call; still in the writer's buffer (not flushed).
    for (let i = 0; i < 3; i++)
      h.usage.record(
        usageEvent({
          requestId: `r${i}`,
          ts: T0 - 3 * DAY_MS + i * 1000,
          useCase: 'triage',
          traceId: 'task-1',
          costUsd: 0.5,
        }),
      );
    h.usage.record(usageEvent({ requestId: 'r9', ts: T0 - HOUR_MS, useCase: 'triage', costUsd: null }));

    const post = (path: string, json: unknown, key = KEY, headers: Record<string, string> = {}) =>
      h.request(path, { method: 'POST', json, key, headers });

    // Late (3 days after its calls), no use_case: inferred from the trace; counted on the trace's first day.
    const res = await post(
      '/v1/outcomes',
      { trace_id: 'task-1', type: 'resolved', success: true, metadata: { ticket: 42 } },
      KEY,
      {
        'idempotency-key': 'k-1',
      },
    );
    expect(res.status).toBe(201);
    const out = (await res.json()) as Record<string, unknown>;
    expect(out).toMatchObject({
      object: 'outcome',
      use_case: 'triage',
      trace_id: 'task-1',
      occurred_at: new Date(T0 - 3 * DAY_MS).toISOString(),
      received_at: new Date(T0).toISOString(),
      metadata: { ticket: 42 },
      idempotency_key: 'k-1',
    });
    const replay = await post('/v1/outcomes', { trace_id: 'task-1', type: 'resolved', success: true }, KEY, {
      'idempotency-key': 'k-1',
    });
    expect(replay.status).toBe(200);
    expect(((await replay.json()) as { id: string }).id).toBe(out.id);

    // By request id: the request's use case; its (absent) trace stays null.
    const byReq = await post('/v1/outcomes', {
      request_id: 'r9',
      type: 'resolved',
      success: false,
      value_usd: -0.5,
    });
    expect(byReq.status).toBe(201);
    expect(await byReq.json()).toMatchObject({ use_case: 'triage', trace_id: null, value_usd: -0.5 });

    // The admin view shows what each outcome's calls cost.
    const listed = (await (await h.request('/api/outcomes?use_case=triage')).json()) as {
      data: Array<Record<string, unknown>>;
    };
    expect(
      listed.data.map((o) => [o.trace_id, o.linked_calls, o.linked_cost_usd, o.linked_unpriced_calls]),
    ).toEqual([
      [null, 1, 0, 1],
      ['task-1', 3, 1.5, 0],
    ]);

    const err = async (r: Response, status: number, code: string, param: string | null) => {
      expect(r.status).toBe(status);
      const body = (await r.json()) as { error: Record<string, unknown> };
      expect(body.error).toMatchObject({ code, param });
      expect(typeof body.error.message).toBe('string');
      expect(typeof body.error.type).toBe('string');
    };
    await err(
      await post('/v1/outcomes', { request_id: 'nope', type: 't', success: true }),
      404,
      'not_found',
      'request_id',
    );
    await err(await post('/v1/outcomes', { type: 't', success: true }), 400, 'invalid_request', 'use_case');
    await err(
      await post('/v1/outcomes', { use_case: 'triage', type: 't', success: 'yes' }),
      400,
      'invalid_request',
      'success',
    );
    await err(
      await post('/v1/outcomes', { use_case: 'triage', type: 't', success: true, extra: 1 }),
      400,
      'invalid_request',
      'extra',
    );
    await err(
      await post('/v1/outcomes', {
        use_case: 'triage',
        type: 't',
        success: true,
        occurred_at: new Date(T0 + DAY_MS).toISOString(),
      }),
      400,
      'invalid_request',
      'occurred_at',
    );
    await err(
      await h.request('/v1/outcomes', {
        method: 'POST',
        body: '{bad',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      }),
      400,
      'invalid_json',
      null,
    );
    await err(
      await h.request('/v1/outcomes', { method: 'POST', json: { use_case: 'x', type: 't', success: true } }),
      401,
      'missing_api_key',
      null,
    );
    await err(
      await post('/v1/outcomes', { use_case: 'x', type: 't', success: true }, 'sk-wrong-0123456789'),
      401,
      'invalid_api_key',
      null,
    );

    // A key bound to a use case books there by default, like its calls.
    const bound = await post('/v1/outcomes', { type: 'resolved', success: true }, BOUND);
    expect(await bound.json()).toMatchObject({ use_case: 'bound-uc' });

    // Feedback: five-point and signed scores land on −1..1.
    const fb = await post('/v1/feedback', { request_id: 'r0', score: 4, comment: 'good' });
    expect(fb.status).toBe(201);
    expect(await fb.json()).toMatchObject({
      object: 'feedback',
      use_case: 'triage',
      score: 0.5,
      raw_score: 4,
      scale: 'five_point',
      trace_id: 'task-1',
    });
    await err(await post('/v1/feedback', { score: 1 }), 400, 'invalid_request', 'request_id');
    await err(await post('/v1/feedback', { request_id: 'r0', score: 7 }), 400, 'invalid_request', 'score');

    // Everything above went through the daily rollup exactly once.
    const day = Math.floor((T0 - 3 * DAY_MS) / DAY_MS) * DAY_MS;
    const row = await h.database.db
      .selectFrom('outcome_rollups')
      .selectAll()
      .where('day', '=', day)
      .executeTakeFirst();
    expect([
      Number(row?.outcomes),
      Number(row?.successes),
      Number(row?.successes_unvalued),
      Number(row?.feedback_count),
    ]).toEqual([1, 1, 1, 1]);
  }, 60_000);
});

describe('outcome rules', () => {
  it('normalises scores: signed kept, five-point mapped around 3', () => {
    expect(normaliseScore(-1)).toEqual({ scale: 'signed', score: -1 });
    expect(normaliseScore(1)).toEqual({ scale: 'signed', score: 1 });
    expect(normaliseScore(0.2)).toEqual({ scale: 'signed', score: 0.2 });
    expect(normaliseScore(2)).toEqual({ scale: 'five_point', score: -0.5 });
    expect(normaliseScore(1, 'five_point')).toEqual({ scale: 'five_point', score: -1 });
    expect(normaliseScore(5)).toEqual({ scale: 'five_point', score: 1 });
    expect(() => normaliseScore(0, 'five_point')).toThrow(/between/);
    expect(() => normaliseScore(3, 'signed')).toThrow(/between -1 and 1/);
  });

  it('keeps a key restricted to use cases inside them, and to its own calls', async () => {
    const db = await openDatabase('sqlite::memory:');
    try {
      await writeEvents(db, [
        usageEvent({ requestId: 'mine', ts: T0, useCase: 'a', keyId: 'key_1' }),
        usageEvent({ requestId: 'theirs', ts: T0, useCase: 'a', keyId: 'key_2' }),
      ]);
      const svc = createOutcomeService({ database: db, now: () => T0 });
      const scoped = { keyId: 'key_1', name: 'k', scopes: { useCases: ['a'] } } as unknown as Principal;
      expect(
        (await svc.recordOutcome({ request_id: 'mine', type: 't', success: true }, scoped)).outcome.useCase,
      ).toBe('a');
      await expect(
        svc.recordOutcome({ request_id: 'theirs', type: 't', success: true }, scoped),
      ).rejects.toMatchObject({ code: 'not_found' });
      await expect(
        svc.recordOutcome({ use_case: 'b', type: 't', success: true }, scoped),
      ).rejects.toMatchObject({ code: 'permission_denied' });
      // Idempotency keys are per reporter: another key may reuse the same string.
      const other = { keyId: 'key_2', name: 'k2', scopes: null } as Principal;
      const a = await svc.recordOutcome(
        { use_case: 'a', type: 't', success: true, idempotency_key: 'x' },
        scoped,
      );
      const b = await svc.recordOutcome(
        { use_case: 'a', type: 't', success: true, idempotency_key: 'x' },
        other,
      );
      expect([a.created, b.created]).toEqual([true, true]);
    } finally {
      await db.close();
    }
  });
});
