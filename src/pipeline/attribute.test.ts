import { describe, expect, it } from 'vitest';
import { attribute } from './attribute.js';

describe('attribute', () => {
  it('caps every caller-supplied value and drops control characters', () => {
    const a = attribute(
      {
        'x-keel-use-case': `uc-${'x'.repeat(500)}`,
        'x-keel-team': 't'.repeat(500),
        'x-keel-feature': 'f\u0000e\u001bat',
        'x-keel-trace-id': 'z'.repeat(1000),
      },
      null,
      'u'.repeat(10_000),
    );
    expect(a.useCase).toHaveLength(64);
    expect(a.team).toHaveLength(128);
    expect(a.userId).toHaveLength(128);
    expect(a.traceId).toHaveLength(128);
    expect(a.feature).toBe('feat');
  });

  it("a key's own team and a keel.yaml key's use case win over the headers", () => {
    const a = attribute(
      { 'x-keel-use-case': 'payments', 'x-keel-team': 'finance' },
      { keyId: 'k', name: 'k', useCase: 'support', team: 'care', scopes: null },
      undefined,
    );
    expect(a).toMatchObject({ useCase: 'support', team: 'care' });
  });
});
