import { z } from 'zod';
import { CATEGORIES, STRATEGIES } from '../redteam/types.js';
import { useCaseId } from './value.js';

/**
 * keel.yaml `redteam:`: the score each use case's red-team runs must reach (a stored run under it
 * opens a `redteam_score` alert), how many runs are kept, and the seeded suites Keel runs on a
 * schedule. Kept here so the red-team feature owns its keys; schema.ts only plugs them in.
 */

const score = z.number().min(0).max(100);

/** Durations as elsewhere in Keel's files (data contracts' max_age): 30m, 24h, 7d. */
const DURATION = /^\d+(?:\.\d+)?\s*(?:ms|s|m|h|d|w)$/;

const scheduleSchema = z
  .object({
    use_case: useCaseId,
    /** A model name of keel.yaml `models:` the suite calls. */
    model: z.string().min(1).max(200),
    every: z.string().regex(DURATION, 'use a duration such as 30m, 24h or 7d'),
    /** Attack probes per category (as many benign look-alikes). Small: this runs against live routes. */
    samples: z.number().int().min(1).max(200).default(5),
    seed: z.number().int().min(0).default(1),
    /** Absent: every category / every strategy. */
    categories: z.array(z.enum(CATEGORIES)).min(1).optional(),
    strategies: z.array(z.enum(STRATEGIES)).min(1).optional(),
    max_requests_per_minute: z.number().int().min(1).max(6000).default(60),
    /** The virtual key the suite calls with, as the use case's application would — write it as
     *  ${VAR} so it comes from the environment; masked in GET /api/config. Unset: no key. */
    key: z.string().min(1).max(256).optional(),
  })
  .strict();

export const redteamConfigSchema = z
  .object({
    /** A stored run scoring under this (0–100) opens an alert, unless its use case sets its own. */
    min_score: score.default(90),
    use_cases: z.record(useCaseId, z.object({ min_score: score }).strict()).default({}),
    /** Stored runs kept per use case (runs without one count as one more); older ones are deleted. */
    keep_runs: z.number().int().min(1).max(100_000).default(200),
    schedules: z.array(scheduleSchema).default([]),
  })
  .strict()
  .prefault({});

export type RedteamConfig = z.infer<typeof redteamConfigSchema>;
export type RedteamSchedule = z.infer<typeof scheduleSchema>;

/** The score a run of this use case must reach: its own `min_score`, else the default. */
export function minScore(config: RedteamConfig, useCase: string | null): number {
  return (useCase !== null ? config.use_cases[useCase]?.min_score : undefined) ?? config.min_score;
}

/** Scheduled suites must call a model of keel.yaml `models:`; one issue per suite that does not. */
export function unknownScheduleModels(
  config: RedteamConfig,
  modelNames: ReadonlySet<string>,
): Array<{ code: 'custom'; path: (string | number)[]; message: string }> {
  return config.schedules.flatMap((s, i) =>
    modelNames.has(s.model)
      ? []
      : [
          {
            code: 'custom' as const,
            path: ['redteam', 'schedules', i, 'model'],
            message: `unknown model "${s.model}"`,
          },
        ],
  );
}
