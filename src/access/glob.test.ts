import { describe, expect, it } from 'vitest';
import { compileGlobs, globMatch } from './glob.js';

describe('globs', () => {
  it('match like the shell for * and ?', () => {
    const cases: Array<[string, string, boolean]> = [
      ['gpt-4o*', 'gpt-4o-mini', true],
      ['gpt-4o*', 'gpt-4', false],
      ['team-?', 'team-a', true],
      ['team-?', 'team-ab', false],
      ['*-mini', 'gpt-4o-mini', true],
      ['a*b*c', 'axxbyyc', true],
      ['a*b*c', 'axxbyy', false],
      ['a.b', 'axb', false],
      ['*', '', true],
      ['', '', true],
    ];
    for (const [g, n, want] of cases) expect(globMatch(g, n), `${g} ~ ${n}`).toBe(want);
    const allowed = compileGlobs(['exact-model', 'claude-*']);
    expect(allowed('exact-model')).toBe(true);
    expect(allowed('claude-sonnet')).toBe(true);
    expect(allowed('exact-model-2')).toBe(false);
  });

  it('match in bounded time where a RegExp translation backtracks', () => {
    const allowed = compileGlobs(['*a*a*a*a*a*a*a*a*b']);
    const t0 = performance.now();
    expect(allowed('a'.repeat(5000))).toBe(false);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
