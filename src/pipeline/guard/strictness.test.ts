import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, guardPolicySchema } from '../../config/guards.js';
import { strictest } from './strictness.js';

const policy = (p: Record<string, unknown>) => guardPolicySchema.parse(p);

describe('strictest', () => {
  it('a weaker policy merged with the default is the default', () => {
    const lenient = policy({
      injection: { input: 'off', threshold: 0.99 },
      indirect_injection: { input: 'off' },
      pii: { input: 'off', output: 'off' },
      secrets: { input: 'off', output: 'off' },
      leak: { output: 'off' },
      tools: { action: 'off', validate_arguments: false },
      context_marking: true,
    });
    expect(strictest(DEFAULT_POLICY, lenient)).toEqual({
      ...DEFAULT_POLICY,
      injection: { input: 'block', threshold: 0.85 },
    });
  });

  it('a stricter policy keeps every stricter dimension, and the default keeps its own', () => {
    const strict = policy({
      injection: { input: 'flag', threshold: 0.6 },
      pii: { input: 'redact', output: 'mask' },
      tools: { allowed: ['a', 'b'] },
      canary: true,
    });
    const base = policy({
      injection: { input: 'block' },
      pii: { input: 'mask' },
      tools: { allowed: ['b', 'c'] },
    });
    const m = strictest(base, strict);
    expect(m.injection).toEqual({ input: 'block', threshold: 0.6 });
    expect(m.pii).toEqual({ input: 'redact', output: 'mask' });
    expect(m.tools.allowed).toEqual(['b']);
    expect(m.canary).toBe(true);
    expect(m.context_marking).toBe(false);
  });

  it('is symmetric in what it allows', () => {
    const a = policy({ secrets: { input: 'block', output: 'flag' }, leak: { output: 'redact' } });
    const b = policy({ secrets: { input: 'mask', output: 'redact' }, leak: { output: 'flag' } });
    expect(strictest(a, b)).toEqual(strictest(b, a));
    expect(strictest(a, b).secrets).toEqual({ input: 'block', output: 'redact' });
  });
});
