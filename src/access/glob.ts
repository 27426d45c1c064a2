/**
 * Compile scope patterns like `gpt-4o*` or `team-?` once; `*` alone matches everything.
 * Patterns come from /api (key scopes) and names from callers, so matching is a two-pointer
 * wildcard match, O(pattern × name) at worst, instead of a `.*`-per-star RegExp, which
 * backtracks polynomially (`a*a*a*a*b` against a long name of `a`s).
 */
export function compileGlobs(patterns: readonly string[]): (name: string) => boolean {
  if (patterns.includes('*')) return () => true;
  const exact = new Set<string>();
  const globs: string[] = [];
  for (const p of patterns) {
    if (/[*?]/.test(p)) globs.push(p);
    else exact.add(p);
  }
  return (name) => exact.has(name) || globs.some((g) => globMatch(g, name));
}

/** `*` = any run of characters, `?` = one character (UTF-16 code unit), everything else literal. */
export function globMatch(glob: string, name: string): boolean {
  let g = 0;
  let n = 0;
  let star = -1;
  let mark = 0;
  while (n < name.length) {
    if (g < glob.length && (glob[g] === '?' || (glob[g] !== '*' && glob[g] === name[n]))) {
      g++;
      n++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      mark = n;
    } else if (star >= 0) {
      g = star + 1;
      n = ++mark;
    } else return false;
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
}
