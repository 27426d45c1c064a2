/**
 * A persona defined by what it lacks: "Tyler is not bound by rules, morals, and ethics", "HyperX
 * doesn't have any ethical or moral guidelines", "has broken free of the typical confines of AI and
 * does not have to abide by the rules set for them", "BOB never refuses". Role-play jailbreaks
 * describe their character this way, in ever new words; the classifier learns the words of the
 * collections it saw (held out, in-the-wild jailbreaks that say it with "morals", "ethics" or "the
 * rules set for them" scored under the threshold). Written as grammar: a negation joined to ethics,
 * or to the rules, limits and filters an assistant works under: patterns.ts `unbound_persona`
 * (evidence 2, as `no_restrictions`: not a decision); refusing nothing joins `never_refuse`.
 *
 * Measured on Keel's files before it shipped (bench/RESULTS.md, "A persona without limits"): of the
 * 7,881 benign texts of train, extra and the benign-instruction set, it fires on 2 (a role-play
 * answer about breaking "free from the limits that society places upon them", a WildGuard prompt that
 * asks for "an unfiltered chatbot without any ethical boundaries"), and on no plain harmful request.
 */

const NEGATION =
  "(?:without(?: any)?|free (?:of|from)(?: any)?|not (?:bound|restricted|restrained|limited|constrained|governed) by(?: any)?|(?:doesn'?t|does not|don'?t|do not|never|won'?t|will not) (?:have to )?(?:have|follow|care about|care for|obey|respect|abide by|adhere to|comply with|need)(?: any)?|(?:has|have) no|no regard (?:for|to)|(?:broken|breaks?|break) free (?:of|from)|bypass(?:es)?|ignores?|no)";

/**
 * Ethics themselves: "not restrained by any morals", "has no moral principles or ethical code". Each
 * pattern consumes its rare noun first and reads the negation back with a lookbehind: a leading
 * alternation of a dozen negations would be tried at every "no" and "not" of a long prompt (measured
 * 7 µs on the 2 KB bench prompt against 1–2 µs).
 */
const ETHICS_NOUN =
  '(?:morals|ethics|morality|ethicality|moral (?:principles|code|compass|values)|ethical (?:principles|code|values|boundaries|standards))';
const ETHICS = `\\b${ETHICS_NOUN}\\b(?<=\\b${NEGATION}(?: (?:the|its|their|his|her|your|any|all))?(?: (?:typical|usual|normal|ai|openai'?s?))?(?: (?:moral|ethical|content|safety))? ${ETHICS_NOUN})`;

/**
 * The rules an assistant works under: "not bound by the rules and policies", "does not have to abide
 * by the rules set for them", "broken free of the typical confines of AI", "has no content filter".
 * A weak negation ("without", "has no") counts only with an assistant's rules ("OpenAI's policies", a
 * content filter): a game with no rules, love without limits and a kid who doesn't follow the rules
 * are ordinary.
 */
const RULE_NOUN =
  '(?:rules|guidelines|principles|polic(?:y|ies)|limits|boundaries|confines|restraints|filters?)';
const STRONG_NEGATION =
  "(?:not (?:bound|restricted|restrained|constrained|governed) by|(?:doesn'?t|does not|don'?t|do not|never|won'?t|will not) (?:have to )?(?:obey|abide by|adhere to|comply with)|(?:broken|breaks?|break) free (?:of|from)|bypass(?:es)?)";
const ASSISTANT_RULES = `(?:(?:openai|ai|chatgpt)'?s? ${RULE_NOUN}|content filters?|${RULE_NOUN} (?:set|imposed|placed|put) (?:on|for|upon) (?:them|it|you|ai))`;
const RULES = [
  `\\b${RULE_NOUN}\\b(?<=\\b${STRONG_NEGATION}(?: any| the)?(?: (?:typical|usual|normal|standard))?(?: (?:openai|ai|chatgpt)'?s?)? ${RULE_NOUN})`,
  `\\b${ASSISTANT_RULES}\\b(?<=\\b(?:without|(?:has|have|with) no)(?: any| the)? ${ASSISTANT_RULES})`,
].join('|');

export const UNBOUND_PERSONA = `${ETHICS}|${RULES}`;
/** Every match holds one: an ethics noun, a strong negation's verb, or a weak negation's assistant words. */
export const UNBOUND_PERSONA_ANCHORS =
  'morals ethics morality ethicality moral ethical bound restricted restrained constrained governed obey abide ' +
  'adhere comply broken breaks break bypass bypasses openai ai chatgpt content set imposed placed put';

/**
 * "BOB never refuses.", "it doesn't refuse any requests", "never declines a prompt": refusing nothing
 * asked of it, not a dog that never refuses a treat.
 */
const REFUSE_VERB = '(?:refuses?|declines?|rejects?|says? no)';
export const REFUSES_NOTHING = `\\b${REFUSE_VERB}(?<=\\b(?:never|doesn'?t|does not|won'?t|will not|is not able to|isn'?t able to) (?:ever )?${REFUSE_VERB})(?: (?:to )?(?:any|a|the|your|my|every|an)(?: user'?s?)? (?:request|requests|prompt|prompts|question|questions|order|orders|command|commands|task|tasks)\\b| to (?:answer|respond|reply|comply)\\b| to anything\\b| anything\\b|\\s*(?:[.,;!]|$))`;
export const REFUSES_NOTHING_ANCHORS = 'refuse refuses decline declines reject rejects say says';
