import { describe, expect, it } from 'vitest';
import { parseConfig } from './load.js';
import { minScore } from './redteam.js';

const models = [{ name: 'chat-fast', targets: [{ provider: 'sim', model: 'gpt-4o-mini' }] }];
const providers = [{ id: 'sim', kind: 'simulator' }];
const parse = (redteam: unknown) => parseConfig({ providers, models, redteam }, {});

describe('keel.yaml redteam:', () => {
  it('defaults to a threshold of 90 for every use case, 200 kept runs and no schedules', () => {
    const { redteam } = parseConfig({}, {});
    expect(redteam).toEqual({ min_score: 90, use_cases: {}, keep_runs: 200, schedules: [] });
    expect(minScore(redteam, 'anything')).toBe(90);
    expect(minScore(redteam, null)).toBe(90);
  });

  it('takes a per-use-case threshold and a schedule with its defaults', () => {
    const { redteam } = parse({
      min_score: 85,
      use_cases: { 'support-assistant': { min_score: 95 } },
      schedules: [
        {
          use_case: 'support-assistant',
          model: 'chat-fast',
          every: '24h',
          categories: ['direct-injection', 'indirect-injection'],
          strategies: ['none', 'base64'],
        },
      ],
    });
    expect(minScore(redteam, 'support-assistant')).toBe(95);
    expect(minScore(redteam, 'billing')).toBe(85);
    expect(redteam.schedules[0]).toEqual({
      use_case: 'support-assistant',
      model: 'chat-fast',
      every: '24h',
      samples: 5,
      seed: 1,
      categories: ['direct-injection', 'indirect-injection'],
      strategies: ['none', 'base64'],
      max_requests_per_minute: 60,
    });
  });

  it.each([
    [{ min_score: 101 }, 'redteam.min_score'],
    [{ use_cases: { 'has space': { min_score: 90 } } }, 'redteam.use_cases'],
    [{ use_cases: { a: { min_score: 90, max: 1 } } }, 'redteam.use_cases.a'],
    [{ schedules: [{ use_case: 'a', model: 'chat-fast', every: 'daily' }] }, 'redteam.schedules[0].every'],
    [
      { schedules: [{ use_case: 'a', model: 'chat-fast', every: '1d', categories: ['mind-control'] }] },
      'redteam.schedules[0].categories[0]',
    ],
    [
      { schedules: [{ use_case: 'a', model: 'chat-fast', every: '1d', strategies: ['pig-latin'] }] },
      'redteam.schedules[0].strategies[0]',
    ],
    [{ schedules: [{ use_case: 'a', model: 'nope', every: '1d' }] }, 'redteam.schedules[0].model'],
    [
      { schedules: [{ use_case: 'a', model: 'chat-fast', every: '1d', samples: 0 }] },
      'redteam.schedules[0].samples',
    ],
    [{ keep: 3 }, 'redteam'],
  ])('refuses %j (%s)', (redteam, where) => {
    expect(() => parse(redteam)).toThrow(where);
  });
});
