import { Hono } from 'hono';
import type { Pipeline } from '../pipeline/index.js';
import { type OutcomeService, publicFeedback, publicOutcome } from '../value/outcomes/service.js';
import { readJsonBody } from './body.js';
import { clientIp } from './client-ip.js';
import { pickHeaders } from './headers.js';
import type { AppEnv } from './types.js';

/** Outcome and feedback bodies are small; metadata is capped at 16 KB. */
const MAX_BODY = 64 * 1024;

/**
 * POST /v1/outcomes and POST /v1/feedback (mounted at /v1): applications report what happened
 * after a call. Same keys as inference (scopes `outcomes` / `feedback`), not metered, errors in the
 * OpenAI shape via the app's onError. A replayed idempotency key (body field or Idempotency-Key
 * header) returns the first outcome with 200 instead of 201.
 */
export function outcomeRoutes(deps: {
  pipeline: Pick<Pipeline, 'authenticate'>;
  outcomes: OutcomeService;
  trustProxy: boolean;
}): Hono<AppEnv> {
  const { pipeline, outcomes, trustProxy } = deps;
  const app = new Hono<AppEnv>();

  app.post('/outcomes', async (c) => {
    const principal = await pipeline.authenticate(
      pickHeaders(c.req.raw.headers),
      'outcomes',
      clientIp(c, trustProxy),
    );
    const body = await readJsonBody(c.req.raw, MAX_BODY);
    const { outcome, created } = await outcomes.recordOutcome(body, principal, {
      idempotencyKey: c.req.header('idempotency-key')?.slice(0, 200) || null,
    });
    return c.json(publicOutcome(outcome), created ? 201 : 200);
  });

  app.post('/feedback', async (c) => {
    const principal = await pipeline.authenticate(
      pickHeaders(c.req.raw.headers),
      'feedback',
      clientIp(c, trustProxy),
    );
    const body = await readJsonBody(c.req.raw, MAX_BODY);
    const fb = await outcomes.recordFeedback(body, principal);
    return c.json(publicFeedback(fb), 201);
  });

  return app;
}
