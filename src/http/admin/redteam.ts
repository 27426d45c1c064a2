import { z } from 'zod';
import { minScore, type RedteamConfig } from '../../config/redteam.js';
import { KeelError } from '../../errors.js';
import { redteamReportSchema } from '../../redteam/runs/report-schema.js';
import type { StoredRun } from '../../redteam/runs/store.js';
import { created, defineGroup, route } from './api/declare.js';
import { text, wholeNumber } from './api/inputs.js';

/** A full report with every attempt can be several MB; only its summary and worst cases are kept. */
const MAX_REPORT_UPLOAD = 32 * 1024 * 1024;

/**
 * Stored red-team runs: `keel redteam` posts its report (operator), the Command Room reads the list
 * and one run (viewer). Runs of a use case the registry does not know are stored too: a run may
 * target an application behind Keel.
 */
export const redteamApi = defineGroup({
  title: 'redteam',
  routes: {
    record: route('POST', '/redteam/runs', 'operator', 'Store a red-team report (`keel redteam`)', {
      body: redteamReportSchema,
      maxBodyBytes: MAX_REPORT_UPLOAD,
    }),
    list: route('GET', '/redteam/runs', 'viewer', 'Red-team runs, newest first (`use_case`, `limit`)', {
      query: z.object({
        use_case: text('use_case must be a non-empty string of at most 200 characters.', 200).optional(),
        limit: wholeNumber('limit must be a whole number from 1 to 1000.', 1, 1000).optional(),
      }),
    }),
    get: route('GET', '/redteam/runs/:id', 'viewer', 'One stored red-team run with its worst cases'),
  },
  needs: (s) => (s.redteam ? { runs: s.redteam, config: s.config.redteam } : undefined),
  handlers: ({ runs, config }) => ({
    record: async (_c, { body, admin }) =>
      created(publicRun(await runs.recordRun(body, { source: 'cli', actor: admin.actor }), config)),
    list: async (_c, { query }) => {
      const list = await runs.list({
        ...(query.use_case !== undefined ? { useCase: query.use_case } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
      });
      return { object: 'list' as const, data: list.map((r) => publicRun(r, config)) };
    },
    get: async (_c, { params }) => {
      const run = await runs.get(params.id);
      if (!run) throw new KeelError('not_found', 'No red-team run with that id.', { param: 'id' });
      return { ...publicRun(run, config), worst: run.report.worst };
    },
  }),
});

/** A run as the API shows it: the report's fields without the worst cases (GET one adds them). */
function publicRun(run: StoredRun, config: RedteamConfig) {
  const { worst: _worst, ...report } = run.report;
  return {
    id: run.id,
    object: 'redteam.run' as const,
    created_at: new Date(run.createdAt).toISOString(),
    use_case: run.useCase,
    source: run.source,
    /** The score this use case's runs must reach now (keel.yaml `redteam:`). */
    min_score: minScore(config, run.useCase),
    ...report,
  };
}
