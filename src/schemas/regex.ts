import { RE2JS } from 're2js';

/**
 * Caller-supplied regular expressions (JSON Schema `pattern`s, data-quality rules, price-table
 * matches) run on RE2JS, whose matching time is linear in the input: a pattern such as
 * `^(?:.|.|.)*X$` that backtracks for seconds in V8 costs microseconds here. The price is syntax:
 * backreferences and lookaround cannot be matched in linear time, so they are refused with an
 * error that says so instead of being run on a backtracking engine.
 */

export interface SafeRegex {
  /** True when the pattern matches anywhere in `s` (RegExp#test semantics, no `g` state). */
  test(s: string): boolean;
}

export class UnsafePatternError extends Error {
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(reason);
    this.name = 'UnsafePatternError';
  }
}

/** Longest pattern accepted; RE2 bounds repetition counts itself (`{1000}` at most). */
export const MAX_PATTERN_LENGTH = 4096;

const BACKREF = /\\(?:[1-9]|k<)/;
const LOOKAROUND = /\(\?<?[=!]/;

function reasonOf(pattern: string, message: string): string {
  if (BACKREF.test(pattern))
    return 'backreferences (\\1, \\k<name>) are not supported: Keel matches caller-supplied patterns in linear time (RE2 syntax)';
  if (LOOKAROUND.test(pattern))
    return 'lookahead and lookbehind ((?=…), (?!…), (?<=…), (?<!…)) are not supported: Keel matches caller-supplied patterns in linear time (RE2 syntax)';
  return `not a valid regular expression for Keel's linear-time engine (RE2 syntax): ${message.replace(/^error parsing regexp: /, '')}`;
}

/** RE2JS's translation turns `\k<name>` into something that compiles, but not into a backreference. */
function namedBackreference(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    if (p[i] !== '\\') continue;
    if (p[i + 1] === 'k' && p[i + 2] === '<') return true;
    i++;
  }
  return false;
}

/**
 * Compile `pattern` (ECMAScript syntax as far as RE2 can express it) with JS-style `flags`
 * (`i`, `m`, `s`, `u`; `g`/`y` are meaningless for a test and ignored). Throws UnsafePatternError.
 */
export function compileSafeRegex(pattern: string, flags = '', maxLength = MAX_PATTERN_LENGTH): SafeRegex {
  if (pattern.length > maxLength)
    throw new UnsafePatternError(
      pattern,
      `pattern is ${pattern.length} characters long; at most ${maxLength} are accepted`,
    );
  let f = 0;
  for (const c of flags) {
    if (c === 'i') f |= RE2JS.CASE_INSENSITIVE;
    else if (c === 'm') f |= RE2JS.MULTILINE;
    else if (c === 's') f |= RE2JS.DOTALL;
    else if (c !== 'u' && c !== 'g' && c !== 'y' && c !== 'v' && c !== 'd')
      throw new UnsafePatternError(pattern, `unknown regex flag "${c}"`);
  }
  if (namedBackreference(pattern)) throw new UnsafePatternError(pattern, reasonOf('\\k<', ''));
  let re: RE2JS;
  try {
    re = RE2JS.compile(RE2JS.translateRegExp(pattern), f);
  } catch (e) {
    throw new UnsafePatternError(pattern, reasonOf(pattern, (e as Error).message));
  }
  return {
    test: (s: string) => re.test(s),
    // ajv keys its compiled-pattern scope by toString(); keep it the pattern itself.
    toString: () => `/${pattern}/${flags}`,
  } as SafeRegex;
}
