#!/usr/bin/env node
// @ts-check
/**
 * Builds scripts/guards/data/external-eval.jsonl: attacks and benign prompts from public repositories that
 * are not sources of the shared guard corpora, to measure the detector on text it never saw. Evaluation
 * only: nothing trains or tunes on it (train-injection.mjs refuses the file).
 *
 *   node scripts/guards/data/build-external-eval.mjs [--mirror /work/.mirror] [--shared ../shared/data/guard] [--out FILE]
 *
 * Reads bare git mirrors (`<mirror>/<owner>+<name>/repo`, as `fetch github:owner/name` leaves them) at
 * the commits pinned in SOURCES with `git show`, so the work tree of each mirror does not matter.
 * Deterministic: no randomness; subsets are chosen by a content hash. Rows that duplicate or nearly
 * duplicate a row of train, extra or dev are dropped (see near-duplicates.mjs).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { keepUnseen } from './near-duplicates.mjs';

const { values } = parseArgs({
  options: {
    mirror: { type: 'string', default: '/work/.mirror' },
    shared: { type: 'string', default: '../shared/data/guard' },
    out: { type: 'string', default: 'scripts/guards/data/external-eval.jsonl' },
  },
});

/** Repository → pinned commit. Licences are recorded in README.md beside this file. */
const SOURCES = {
  'tmlr-group/DeepInception': 'fc5689e76c4dd87a14babf1eadf890532f2b6880',
  'NJUNLP/ReNeLLM': '522d8e1df7d6ee9cfba4b09caa9990c613b0a4a6',
  'whylabs/langkit': '5d6cab1e2ff32181ba5c514aaa2a4473421dc413',
  'protectai/llm-guard': '53af270c69316ed82cb71ba7b19d11b55bda3151',
  'greshake/llm-security': '87f4b7ffa568b7261a79b31573068d8113319212',
  'TakSec/Prompt-Injection-Everywhere': '9b69c8ae7958f68d562d484103a7b14b66983d63',
  'lmarena/arena-hard-auto': '196f6b826783b3da7310e361a805fa36f0be83f3',
  'arnav-gudibande/koala-test-set': '2d4396aee3cff495382e9b0ad2521d70b177763b',
  'github/opensource.guide': 'ebc9678e39b55ff5e5c8801d1960904692188e90',
  'rust-lang/book': '917544888a55e4da7109bdba8c88c893c0da70f4',
};

/** @param {keyof typeof SOURCES} repo */
const gitDir = (repo) => join(values.mirror, repo.replace('/', '+'), 'repo');
/** @param {keyof typeof SOURCES} repo @param {string} path */
const show = (repo, path) =>
  execFileSync('git', ['-C', gitDir(repo), 'show', `${SOURCES[repo]}:${path}`], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
/** @param {keyof typeof SOURCES} repo @param {string} dir */
const list = (repo, dir) =>
  execFileSync(
    'git',
    ['-C', gitDir(repo), 'ls-tree', '-r', '--name-only', SOURCES[repo], ...(dir ? [dir] : [])],
    {
      encoding: 'utf8',
    },
  )
    .split('\n')
    .filter(Boolean)
    .sort();
/** First 32 bits of the text's SHA-256, for hash-chosen subsets. @param {string} text */
const hash32 = (text) => createHash('sha256').update(text).digest().readUInt32BE(0);
/** Keeps about one row in `mod`. @param {string} text @param {number} mod */
const keepOne = (text, mod) => hash32(text) % mod === 0;

/** @typedef {{ text: string, label: 'attack' | 'benign', source: string, kind: string }} Row */
/** @type {Row[]} */
const candidates = [];
/** @param {string} text @param {Row['label']} label @param {string} source @param {string} kind */
const add = (text, label, source, kind) => candidates.push({ text: text.trim(), label, source, kind });

// --- attacks -------------------------------------------------------------------------------------------

// DeepInception: harmful requests wrapped in nested fiction ("create a science fiction with 5 layers …"),
// the main set and the ablation variants (layer counts, scenes, characters). `plain_attack` is the bare
// harmful request, not an injection, and is left out.
/** @type {Set<string>} */
const plainRequests = new Set();
for (const file of list('tmlr-group/DeepInception', 'res')) {
  for (const row of JSON.parse(show('tmlr-group/DeepInception', file))) {
    if (row.plain_attack) plainRequests.add(row.plain_attack.trim());
    if (row.inception_attack) add(row.inception_attack, 'attack', 'deepinception/main', 'jailbreak');
    for (const q of row.questions ?? [])
      if (/\blayer\b/i.test(q)) add(q, 'attack', 'deepinception/variants', 'jailbreak');
  }
}

// ReNeLLM's scenario nesting: a harmful request (DeepInception's plain requests) set as the title of a
// Python function, a LaTeX table or a dreamed lecture to "complete"; two of the three scenarios per
// request, chosen by hash.
const scenarioSrc = show('NJUNLP/ReNeLLM', 'utils/scenario_nest_utils.py');
const scenarios = [...scenarioSrc.matchAll(/r"""([\s\S]*?)"""/g)].map((m) => m[1] ?? '');
if (scenarios.length !== 3) throw new Error(`ReNeLLM: expected 3 scenarios, found ${scenarios.length}`);
for (const request of plainRequests) {
  const skip = hash32(request) % 3;
  scenarios.forEach((scenario, i) => {
    if (i !== skip) add(scenario.replace('<>', request), 'attack', 'renellm/nested', 'jailbreak');
  });
}

// LangKit: the jailbreak examples its injection theme is built from ("refusal" lists model answers).
for (const text of JSON.parse(show('whylabs/langkit', 'langkit/themes.json')).jailbreak)
  add(text, 'attack', 'langkit/jailbreak', 'jailbreak');

// LLM Guard: the labelled prompts of its prompt-injection scanner tests, as the tests label them
// (expected_valid False = injection).
for (const { text, valid } of pythonCases(
  show('protectai/llm-guard', 'tests/input_scanners/test_prompt_injection.py'),
)) {
  if (valid) add(text, 'benign', 'llm-guard/tests', 'chat');
  else add(text, 'attack', 'llm-guard/tests', 'jailbreak');
}

// Greshake et al.: the payloads planted in web pages and e-mails for their indirect-injection demos.
for (const file of list('greshake/llm-security', 'scenarios')) {
  if (!file.endsWith('.py')) continue;
  const src = show('greshake/llm-security', file);
  for (const m of src.matchAll(/^\s+\w*(?:injection|payload)\w*\s*=\s*"""([\s\S]*?)"""/gm))
    add(dedent(m[1] ?? ''), 'attack', 'greshake/scenarios', 'indirect');
}

// TakSec: one-line prompt injections and prompt leaks for testing LLM features.
for (const file of list('TakSec/Prompt-Injection-Everywhere', '')) {
  if (!file.endsWith('.txt') || file.includes('Protection')) continue;
  const kind = file.startsWith('Prompt-Leak') ? 'extraction' : 'jailbreak';
  for (const line of show('TakSec/Prompt-Injection-Everywhere', file).split('\n'))
    if (line.trim()) add(line, 'attack', 'taksec/payloads', kind);
}

// --- benign --------------------------------------------------------------------------------------------

// Arena-Hard: hard real-user prompts from Chatbot Arena (coding, maths, writing, role-play); a
// hash-chosen fifth of each version, at most 6,000 characters.
for (const [version, file] of [
  ['v0.1', 'data/arena-hard-v0.1/question.jsonl'],
  ['v2.0', 'data/arena-hard-v2.0/question.jsonl'],
]) {
  for (const line of show('lmarena/arena-hard-auto', file).split('\n')) {
    if (!line.trim()) continue;
    const row = JSON.parse(line);
    const text = row.prompt ?? row.turns?.[0]?.content;
    if (typeof text === 'string' && text.length <= 6000 && keepOne(text, 5))
      add(text, 'benign', `arena-hard/${version}`, 'chat');
  }
}

// Koala test set: every user prompt (ShareGPT, HC3, Anthropic HH, OIG and Alpaca questions).
for (const line of show('arnav-gudibande/koala-test-set', 'koala_test_set.jsonl').split('\n'))
  if (line.trim()) add(JSON.parse(line).prompt, 'benign', 'koala/test-set', 'chat');

// Documents full of imperative sentences addressed to the reader: the Open Source Guides and the Rust
// book, split at headings into sections of 300–3,000 characters; a hash-chosen share of the sections.
// Sections not chosen are kept aside as hosts for planted instructions (below).
/** @type {string[]} */
const spareSections = [];
for (const [repo, dir, pattern, mod, source] of /** @type {const} */ ([
  ['github/opensource.guide', '_articles', /^_articles\/[^/]+\.md$/, 2, 'opensource-guide/articles'],
  ['rust-lang/book', 'src', /^src\/ch\d\d-\d\d-[^/]+\.md$/, 7, 'rust-book/chapters'],
])) {
  for (const file of list(repo, dir)) {
    if (!pattern.test(file)) continue;
    for (const section of sections(show(repo, file))) {
      if (keepOne(section, mod)) add(section, 'benign', source, 'document');
      else spareSections.push(section);
    }
  }
}

// Indirect attacks on documents the detector has not seen: each one-paragraph injection of LLM Guard and
// TakSec planted in a spare section (chosen by hash) as its first, middle or last paragraph.
for (const payload of candidates.filter(
  (r) =>
    r.label === 'attack' &&
    /^(llm-guard|taksec)\//.test(r.source) &&
    r.text.length <= 400 &&
    !r.text.includes('\n\n'),
)) {
  const h = hash32(payload.text);
  const paragraphs = /** @type {string} */ (spareSections[h % spareSections.length]).split('\n\n');
  const at = [0, Math.floor(paragraphs.length / 2), paragraphs.length][(h >>> 16) % 3] ?? 0;
  paragraphs.splice(at, 0, payload.text);
  add(paragraphs.join('\n\n'), 'attack', `planted/${payload.source.split('/')[0]}`, 'indirect');
}

// --- filter and write ----------------------------------------------------------------------------------

const { kept, stats } = keepUnseen(candidates, values.shared, (row) => `${row.source} ${row.label}`);
const out = kept.map((row) => JSON.stringify(row));
writeFileSync(values.out, `${out.join('\n')}\n`);
for (const [source, s] of Object.entries(stats))
  process.stdout.write(
    `${source.padEnd(36)} kept ${String(s.kept).padStart(4)}  duplicate ${String(s.duplicate).padStart(3)}  near train/extra/dev ${s.nearShared}\n`,
  );
process.stdout.write(`${out.length} rows -> ${values.out}\n`);

// --- helpers -------------------------------------------------------------------------------------------

/** Removes the common leading indentation of a Python triple-quoted block. @param {string} s */
function dedent(s) {
  const lines = s.split('\n');
  const indents = lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)?.[0].length ?? 0);
  const cut = Math.min(...indents);
  return lines.map((l) => l.slice(cut)).join('\n');
}

/**
 * The (prompt, expected_valid) pairs of a pytest parametrisation written as
 * `(MatchType.X, <string literals>, True|False, <score>)`.
 * @param {string} src
 * @returns {{ text: string, valid: boolean }[]}
 */
function pythonCases(src) {
  const literal = /\s*(?:#[^\n]*\n\s*)*([rRbBuU]?)("""|'''|"|')/y;
  /** @type {{ text: string, valid: boolean }[]} */
  const cases = [];
  for (const m of src.matchAll(/MatchType\.\w+,/g)) {
    let pos = (m.index ?? 0) + m[0].length;
    let text = '';
    for (;;) {
      literal.lastIndex = pos;
      const open = literal.exec(src);
      if (!open) break;
      const quote = /** @type {string} */ (open[2]);
      const raw = open[1]?.toLowerCase() === 'r';
      let i = literal.lastIndex;
      let body = '';
      while (!src.startsWith(quote, i)) {
        if (src[i] === '\\' && !raw) {
          const c = src[i + 1] ?? '';
          body += c === 'n' ? '\n' : c === 't' ? '\t' : c === '\n' ? '' : '"\'\\'.includes(c) ? c : `\\${c}`;
          i += 2;
        } else body += src[i++];
      }
      text += body;
      pos = i + quote.length;
    }
    const flag = /^\s*,\s*(?:#[^\n]*\n\s*)*(True|False)/.exec(src.slice(pos));
    if (text && flag) cases.push({ text, valid: flag[1] === 'True' });
  }
  return cases;
}

/**
 * A Markdown page cut at its headings into sections of 300–3,000 characters (front matter, HTML tags
 * and mdBook include directives dropped; longer sections cut at the last paragraph break that fits).
 * @param {string} md
 */
function sections(md) {
  const body = md
    .replace(/^---\n[\s\S]*?\n---\n/, '')
    .replace(/<[^>\n]+>/g, '')
    .replace(/\{\{#[^}]*\}\}/g, '');
  /** @type {string[]} */
  const out = [];
  for (const part of body.split(/\n(?=#{1,3} )/)) {
    let rest = part.trim();
    while (rest.length > 3000) {
      const cut = rest.lastIndexOf('\n\n', 3000);
      const at = cut > 300 ? cut : 3000;
      out.push(rest.slice(0, at).trim());
      rest = rest.slice(at).trim();
    }
    if (rest.length >= 300) out.push(rest);
  }
  return out;
}
