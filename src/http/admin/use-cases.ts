import { z } from 'zod';
import { KeelError } from '../../errors.js';
import { parseCreate, parsePatch, publicUseCase, USE_CASE_STAGES } from '../../value/usecases/model.js';
import { created, defineGroup, route } from './api/declare.js';
import { oneOf } from './api/inputs.js';

const REASON = 'reason must be a string of at most 500 characters.';

/** The use-case registry. Fields declared in keel.yaml are refused with 400. */
export const useCasesApi = defineGroup({
  title: 'use cases',
  routes: {
    // The use case's fields are checked by its model (parseCreate), as for keel.yaml.
    create: route('POST', '/use-cases', 'operator', 'Register a use case', {
      body: z.record(z.string(), z.unknown()),
    }),
    list: route('GET', '/use-cases', 'viewer', 'List use cases (`stage`)', {
      query: z.object({
        stage: oneOf(USE_CASE_STAGES, 'stage must be one of pilot, production, paused, retired.').optional(),
      }),
    }),
    get: route('GET', '/use-cases/:id', 'viewer', 'One use case with its stage history'),
    update: route('PATCH', '/use-cases/:id', 'operator', 'Change a use case (and its stage)', {
      // The use case's own fields are checked by its model (parsePatch), as for keel.yaml.
      body: z.looseObject({
        reason: z
          .string({ error: REASON })
          .max(500, REASON)
          .nullable()
          .optional()
          .transform((r) => r ?? null),
      }),
    }),
  },
  needs: (s) => s.value?.useCases,
  handlers: (useCases) => ({
    create: async (_c, { body, admin }) => {
      const { id, patch } = parseCreate(body);
      return created(publicUseCase(await useCases.create(id, patch, admin.actor)));
    },
    list: async (_c, { query: { stage } }) => {
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
    update: async (_c, { params, body: { reason, ...fields }, admin }) => {
      const u = await useCases.update(params.id, parsePatch(fields), admin.actor, { reason });
      return publicUseCase(u);
    },
  }),
});
