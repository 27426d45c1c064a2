import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { type Database, openDatabase } from '../../store/db.js';
import { memoryAuditLog } from '../testkit.js';
import type { DriftState, RedteamScore } from './rules.js';
import { type AlertService, createAlertService } from './service.js';

const T0 = Date.UTC(2026, 11, 6, 9);

const drifting: DriftState = {
  useCase: 'support-assistant',
  feature: 'prompt_tokens',
  method: 'ks',
  statistic: 0.4,
  pValue: 0.001,
  threshold: { p_value: 0.01 },
  window: { from: T0 - 3_600_000, until: T0 },
  reference: {},
  current: {},
};

describe('the redteam_score rule', () => {
  let database: Database;
  let alerts: AlertService;
  let drift: DriftState[];
  let scores: RedteamScore[];
  beforeEach(async () => {
    database = await openDatabase('sqlite::memory:');
    drift = [drifting];
    scores = [{ useCase: 'support-assistant', runId: 'rtr_1', score: 80, minScore: 95, at: T0 }];
    alerts = createAlertService({
      database,
      audit: memoryAuditLog(),
      config: parseConfig({}, {}).alerts,
      context: () => ({
        useCases: [],
        forecast: async () => [],
        dailyValue: async () => {
          throw new Error('not read: no use case has a target ROI');
        },
        hourlyUsage: async () => [],
        drift: () => drift,
        redteam: async () => scores,
      }),
    });
  });
  afterEach(async () => {
    await alerts.close();
    await database.close();
  });

  it('opens an alert for a use case whose newest run is under its threshold, and none at or above it', async () => {
    scores.push(
      { useCase: 'billing', runId: 'rtr_2', score: 90, minScore: 90, at: T0 },
      { useCase: null, runId: 'rtr_3', score: 50, minScore: 90, at: T0 },
    );
    const r = await alerts.evaluate(T0, ['redteam_score']);
    expect(r.opened.map((a) => [a.fingerprint, a.severity, a.details])).toEqual([
      [
        'redteam_score:use_case:support-assistant',
        'critical',
        { run_id: 'rtr_1', score: 80, min_score: 95, run_at: new Date(T0).toISOString() },
      ],
      ['redteam_score:use_case:', 'critical', expect.objectContaining({ run_id: 'rtr_3' })],
    ]);
    expect(r.opened[1]?.title).toContain('red-team runs without a use case');
  });

  it('evaluating it alone leaves the other rules’ alerts as they are; a passing run resolves its own', async () => {
    const first = await alerts.evaluate(T0);
    expect(first.opened.map((a) => a.rule).sort()).toEqual(['data_drift', 'redteam_score']);

    // The drift has stopped, but only the red-team rule is evaluated: the drift alert stays open.
    drift = [];
    scores = [{ useCase: 'support-assistant', runId: 'rtr_9', score: 96, minScore: 95, at: T0 + 1000 }];
    const partial = await alerts.evaluate(T0 + 1000, ['redteam_score']);
    expect(partial.resolved.map((a) => a.rule)).toEqual(['redteam_score']);
    expect((await alerts.list({ state: 'open' })).map((a) => a.rule)).toEqual(['data_drift']);

    const full = await alerts.evaluate(T0 + 2000);
    expect(full.resolved.map((a) => a.rule)).toEqual(['data_drift']);
  });
});
