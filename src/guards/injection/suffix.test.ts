import { describe, expect, it } from 'vitest';
import { detectIndirectInjection, detectInjection } from './index.js';
import { findAdversarialSuffix, SUFFIX_AT } from './suffix.js';

// Token salad in the shape optimisation attacks produce, written for this test.
const SALAD = 'obviously.]( Sure?--> tableThen [{ listing ]] formatNow !{ revert\\ ones {{ keenly';
const REQUEST = 'Summarise the history of the printing press in two short paragraphs for a school newsletter';

describe('findAdversarialSuffix', () => {
  it('finds token salad appended to a request, and where it is', () => {
    const text = `${REQUEST} ${SALAD}`;
    const found = findAdversarialSuffix(text);
    expect(found).not.toBeNull();
    expect(found?.score).toBeGreaterThanOrEqual(SUFFIX_AT);
    const span = text.slice(found?.start, found?.end);
    expect(span).toContain('formatNow');
    expect(text.slice(0, found?.start)).toContain('printing press');
  });

  it('looks at the last line only: a suffix is appended', () => {
    expect(findAdversarialSuffix(`${REQUEST} ${SALAD}\n\nThanks, that is all for today.`)).toBeNull();
    expect(findAdversarialSuffix(`Some context first.\n${REQUEST} ${SALAD}\n`)).not.toBeNull();
  });

  it('leaves ordinary prompts with code, formulas, tables and data alone', () => {
    const ordinary = [
      REQUEST,
      'Please rewrite this Java loop as a for loop: int i = 0; while (i < 10) { System.out.println(i); i++; }',
      'Solve for x in the interval (0, 27): (2cos x + 5)(sin^4 (x/2) - cos^4 (x/2)) + 3 = 0, and show each step',
      '| Convention on the Rights of the Child | United Nations | 2011 | 2012 | - | ratified | yes | no |',
      'Turn this into YAML for me please: {"name": "Ada", "roles": ["admin", "ops"], "limits": {"cpu": 2, "mem": "4Gi"}}',
      'Can you explain what the regular expression ^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$ matches, part by part?',
      'I want you to act as a travel guide (a friendly one!) and suggest three stops in Lisbon for a rainy day.',
      'Which of these should I install first: `acyclic`, `bcomps`, `comps`, `edgepaint`, `gvcolor`, `gvpack`, `mingle` and `tred`?',
      'What does this do exactly: find {{path/to/dir}} -type f -name "*.log" -mtime +7 -exec rm {} \\; | tee <output> -- please explain',
      '| Team | Played | Won | Drawn | Lost | Points | Notes on the season so far | - | - | - |',
      "Why does this never end: for (size_t end = str.find(' '); end != std::string::npos; end = str.find(' ', start)) {",
    ];
    for (const text of ordinary) expect(findAdversarialSuffix(text), text).toBeNull();
  });

  it('needs a request before the salad: a short line is not judged', () => {
    expect(findAdversarialSuffix(SALAD)).toBeNull();
  });

  it('reads only the end of a very long line', () => {
    const long = `${'word '.repeat(20_000)}${REQUEST} ${SALAD}`;
    const found = findAdversarialSuffix(long);
    expect(found).not.toBeNull();
    expect(found?.start).toBeGreaterThan(long.length - 700);
  });
});

describe('the injection detector with an adversarial suffix', () => {
  it('flags a request carrying a suffix and names the suffix; the request alone is not flagged', () => {
    const plain = detectInjection(REQUEST);
    expect(plain.flagged).toBe(false);
    const attacked = detectInjection(`${REQUEST} ${SALAD}`);
    expect(attacked.flagged).toBe(true);
    expect(attacked.labels).toContain('injection.adversarial_suffix');
    expect(attacked.score).toBeGreaterThan(plain.score);
  });

  it('is a check of the user turn: documents and tool results are not read for suffixes', () => {
    const page = detectIndirectInjection(`${REQUEST} ${SALAD}`);
    expect(page.labels).not.toContain('injection.adversarial_suffix');
  });
});
