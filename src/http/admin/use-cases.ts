import { KeelError } from '../../errors.js';
import { isStage, parseCreate, parsePatch, publicUseCase } from '../../value/usecases/model.js';
import { created, defineGroup, route } from './api/declare.js';
import { readAdminBody } from './body.js';

/** The use-case registry. Fields declared in keel.yaml are refused with 400. */
export const useCasesApi = defineGroup({
  title: 'use cases',
  routes: {
    create: route('POST', '/use-cases', 'operator', 'Register a use case'),
    list: route('GET', '/use-cases', 'viewer', 'List use cases (`stage`)'),
    get: route('GET', '/use-cases/:id', 'viewer', 'One use case with its stage history'),
    update: route('PATCH', '/use-cases/:id', 'operator', 'Change a use case (and its stage)'),
  },
  needs: (s) => s.value?.useCases,
  handlers: (useCases) => ({
    create: async (c, { admin }) => {
      const { id, patch } = parseCreate(await readAdminBody(c.req.raw));
      return created(publicUseCase(await useCases.create(id, patch, admin.actor)));
    },
    list: async (c) => {
      const stage = c.req.query('stage');
      if (stage !== undefined && !isStage(stage))
        throw new KeelError('invalid_request', 'stage must be one of pilot, production, paused, retired.', {
          param: 'stage',
        });
      const list = await useCases.list(stage ? { stage } : {});
      return { object: 'list' as const, data: list.map(publicUseCase) };
    },
    get: async (_c, { params: { id } }) => {
      const u = await useCases.get(id);
      if (!u) throw new KeelError('not_found', 'No use case with that id.', { param: 'id' });
      const history = await useCases.history(id);
      return {
        ...publicUseCase(u),
        stage_history: history.map((h) => ({
          from: h.from,
          to: h.to,
          at: new Date(h.at).toISOString(),
          actor: h.actor,
          reason: h.reason,
        })),
      };
    },
    update: async (c, { params, admin }) => {
      const body = await readAdminBody(c.req.raw);
      const { reason, ...fields } = body;
      if (reason !== undefined && reason !== null && (typeof reason !== 'string' || reason.length > 500))
        throw new KeelError('invalid_request', 'reason must be a string of at most 500 characters.', {
          param: 'reason',
        });
      const u = await useCases.update(params.id, parsePatch(fields), admin.actor, {
        reason: (reason as string | null | undefined) ?? null,
      });
      return publicUseCase(u);
    },
  }),
});
