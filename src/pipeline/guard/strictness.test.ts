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
      active_content: { output: 'off', sql: 'off', allowed_hosts: ['collect.example'] },
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

  it('allows an outside host only where both allow it, and takes the stricter active-content actions', () => {
    const a = policy({
      active_content: { output: 'block', allowed_hosts: ['cdn.acme.example', 'docs.acme.example'] },
    });
    const b = policy({ active_content: { sql: 'redact', allowed_hosts: ['docs.acme.example'] } });
    expect(strictest(a, b).active_content).toEqual({
      output: 'block',
      sql: 'redact',
      allowed_hosts: ['docs.acme.example'],
    });
  });

  it('is symmetric in what it allows', () => {
    const a = policy({ secrets: { input: 'block', output: 'flag' }, leak: { output: 'redact' } });
    const b = policy({ secrets: { input: 'mask', output: 'redact' }, leak: { output: 'flag' } });
    expect(strictest(a, b)).toEqual(strictest(b, a));
    expect(strictest(a, b).secrets).toEqual({ input: 'block', output: 'redact' });
  });
});
