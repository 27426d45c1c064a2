import { describe, expect, it } from 'vitest';
import { KeelError } from '../errors.js';
import { checkGraceSeconds, checkLabel, validateKeyFields } from './validate.js';

const NOW = 1_700_000_000_000;

function failure(fn: () => unknown): { param: string | null; message: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KeelError);
    const k = e as KeelError;
    expect(k.code).toBe('invalid_request');
    return { param: k.param ?? null, message: k.message };
  }
  throw new Error('expected a validation failure');
}

describe('key field validation', () => {
  it('names the field as the admin API spells it, items by index, in the message too', () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ name: 42 }, 'name', 'name must be a string.'],
      [{ name: '' }, 'name', 'name must be 1 to 100 characters long.'],
      [{ team: ' x' }, 'team', 'team must not start or end with a space.'],
      [{ models: 'gpt-4o' }, 'models', 'models must be an array of strings.'],
      [{ useCases: ['ok', 'a\u202Eb'] }, 'use_cases[1]', 'use_cases[1] contains control'],
      [{ endpoints: ['chat', 'files'] }, 'endpoints[1]', 'endpoints[1] must be one of chat, messages'],
      [
        { allowedCidrs: ['10.0.0.0/33'] },
        'allowed_cidrs[0]',
        'allowed_cidrs[0] must be an IPv4 or IPv6 CIDR',
      ],
      [{ maxTokens: 1.5 }, 'max_tokens', 'max_tokens must be a whole number from 1 to 2147483647, or null.'],
      [{ budgetUsd: 0 }, 'budget_usd', 'budget_usd must be a positive number of US dollars, or null.'],
      [{ budgetPeriod: 'week' }, 'budget_period', 'budget_period must be one of day, month, total.'],
      [{ expiresAt: 'soon' }, 'expires_at', 'expires_at must be a date (epoch milliseconds) or null.'],
      [{ expiresAt: NOW }, 'expires_at', 'expires_at must be in the future.'],
    ];
    for (const [input, param, message] of cases) {
      const f = failure(() => validateKeyFields(input as never, NOW));
      expect(f.param).toBe(param);
      expect(f.message).toContain(message);
    }
  });

  it('keeps only the fields given, normalised: endpoint paths to scopes, lists deduped in order', () => {
    expect(
      validateKeyFields(
        { endpoints: ['/v1/chat/completions', 'chat'] as never, useCases: ['b', 'a', 'b'], team: null },
        NOW,
      ),
    ).toEqual({ endpoints: ['chat'], useCases: ['b', 'a'], team: null });
  });

  it('checks a label and a grace period under the name it is given', () => {
    expect(failure(() => checkLabel('x'.repeat(11), 'label', 10))).toEqual({
      param: 'label',
      message: 'label must be 1 to 10 characters long.',
    });
    expect(failure(() => checkGraceSeconds(-1))).toEqual({
      param: 'grace_s',
      message: 'grace_s must be a whole number of seconds from 0 to 31622400.',
    });
    expect(checkGraceSeconds(60)).toBe(60);
  });
});
