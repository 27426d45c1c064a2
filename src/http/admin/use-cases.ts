import type { Hono } from 'hono';
import { KeelError } from '../../errors.js';
import { isStage, parseCreate, parsePatch, publicUseCase } from '../../value/usecases/model.js';
import type { UseCaseRegistry } from '../../value/usecases/registry.js';
import { readAdminBody } from './body.js';
import type { AdminEnv } from './types.js';

/**
 * The use-case registry: POST /use-cases (operator), GET /use-cases[?stage=] (viewer),
 * GET /use-cases/:id with its stage history (viewer), PATCH /use-cases/:id (operator; `reason`
 * is kept with a stage change). Fields declared in keel.yaml are refused with 400.
 */
export function registryRoutes(app: Hono<AdminEnv>, deps: { useCases: UseCaseRegistry }): void {
  const { useCases } = deps;

  app.post('/use-cases', async (c) => {
    const { id, patch } = parseCreate(await readAdminBody(c.req.raw));
    const u = await useCases.create(id, patch, c.get('admin').actor);
    return c.json(publicUseCase(u), 201);
  });

  app.get('/use-cases', async (c) => {
    const stage = c.req.query('stage');
    if (stage !== undefined && !isStage(stage))
      throw new KeelError('invalid_request', 'stage must be one of pilot, production, paused, retired.', {
        param: 'stage',
      });
    const list = await useCases.list(stage ? { stage } : {});
    return c.json({ object: 'list', data: list.map(publicUseCase) });
  });

  app.get('/use-cases/:id', async (c) => {
    const id = c.req.param('id');
    const u = await useCases.get(id);
    if (!u) throw new KeelError('not_found', 'No use case with that id.', { param: 'id' });
    const history = await useCases.history(id);
    return c.json({
      ...publicUseCase(u),
      stage_history: history.map((h) => ({
        from: h.from,
        to: h.to,
        at: new Date(h.at).toISOString(),
        actor: h.actor,
        reason: h.reason,
      })),
    });
  });

  app.patch('/use-cases/:id', async (c) => {
    const body = await readAdminBody(c.req.raw);
    const { reason, ...fields } = body;
    if (reason !== undefined && reason !== null && (typeof reason !== 'string' || reason.length > 500))
      throw new KeelError('invalid_request', 'reason must be a string of at most 500 characters.', {
        param: 'reason',
      });
    const u = await useCases.update(c.req.param('id'), parsePatch(fields), c.get('admin').actor, {
      reason: (reason as string | null | undefined) ?? null,
    });
    return c.json(publicUseCase(u));
  });
}
