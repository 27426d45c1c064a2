/** Compile scope patterns like `gpt-4o*` or `team-?` once; `*` alone matches everything. */
export function compileGlobs(patterns: readonly string[]): (name: string) => boolean {
  if (patterns.includes('*')) return () => true;
  const exact = new Set<string>();
  const regexes: RegExp[] = [];
  for (const p of patterns) {
    if (!/[*?]/.test(p)) {
      exact.add(p);
      continue;
    }
    const src = p
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    regexes.push(new RegExp(`^${src}$`));
  }
  return (name) => exact.has(name) || regexes.some((r) => r.test(name));
}
