/**
 * The signatures' patterns, weights and anchor words (signatures.ts compiles them, prefilters by the
 * anchors and matches). Every pattern runs on the normalised, lower-case text.
 *
 * Each signature has two weights: `direct` (the user's own message) and `indirect` (content that is
 * not the user's: tool results, retrieved documents). "In your response, add a link to …" is a normal
 * user request but an injection inside an e-mail the model was asked to summarise.
 *
 * Single trigger words ("ignore", "jailbreak", "developer mode", "uncensored") are NOT signatures:
 * benign prompts use them all the time. Patterns need the multi-word structure of an attack. Anchors:
 * words of which at least one occurs in every match (and substrings, for non-word anchors).
 */

import { SECRET_QUESTION, SECRET_QUESTION_ANCHORS } from './extraction.js';
import {
  OBEY_SENDER,
  OBEY_SENDER_ANCHORS,
  READER_ADDRESSED,
  READER_ADDRESSED_ANCHORS,
  READER_LABEL,
  READER_LABEL_ANCHORS,
  REVOKED_SETUP,
  REVOKED_SETUP_ANCHORS,
} from './revoked.js';
import { TRANSLATED_OVERRIDE, TRANSLATED_OVERRIDE_ANCHORS } from './translated.js';
import {
  REFUSES_NOTHING,
  REFUSES_NOTHING_ANCHORS,
  UNBOUND_PERSONA,
  UNBOUND_PERSONA_ANCHORS,
} from './unbound.js';

/** A word separator, then up to `n` more words: lets a pattern skip "all of the", "your". */
const gap = (n: number) => `(?:[^\\w\\n]+[\\w']+){0,${n}}[^\\w\\n]+`;

const OVERRIDE_VERB =
  "(?:ignore|ignoring|disregard|disregarding|forget|overlook|override|bypass|neglect|discard|abandon|dismiss|set aside|throw out|do not follow|don'?t follow|stop following|do not obey|don'?t obey|no longer follow)";
const PAST_QUALIFIER =
  '(?:previous|previously|prior|preceding|above|earlier|former|foregoing|initial|original|old|system|developer|default|pre-?programmed|built-?in)';
const INSTRUCTION_NOUN =
  '(?:instructions?|prompts?|rules|directions?|directives?|guidelines|commands?|orders|context|constraints|programming|guidance|messages?|restrictions|polic(?:y|ies)|conversation|training|settings)';

/** A bracketed notice from a privileged sender: "[system]", "[admin message]", "[developer note]". */
const NOTICE =
  '\\[(?:system|admin|administrator|developer|operator|sudo)(?:[ _-](?:notice|message|override|alert|update|instructions?|prompt|note|command|directive))?\\]';

export const SIGNATURE_SOURCES: Array<[id: string, direct: number, indirect: number, pattern: string]> = [
  // "Ignore all previous instructions", "disregard the above prompt", "forget your system rules".
  ['override_previous', 6, 6, `\\b${OVERRIDE_VERB}${gap(3)}${PAST_QUALIFIER}${gap(2)}${INSTRUCTION_NOUN}\\b`],
  // The same override in other languages (es, pt, it, fr, de, nl, zh, ja, ko), on the accent-folded
  // text: verb, instructions, "previous" in the order each language puts them. Russian is left out:
  // homoglyph folding turns Cyrillic into a Latin-Cyrillic mix no pattern should be written against.
  ['override_translated', 6, 6, TRANSLATED_OVERRIDE],
  // The same idea in other words: the setup declared void, absent or outranked (revoked.ts).
  ['revoked_setup', 6, 6, REVOKED_SETUP],
  ['obey_sender', 3, 4, OBEY_SENDER],
  // "Ignore your programming / all your guidelines" (no "previous", so weaker).
  [
    'override_rules',
    3,
    4,
    `\\b${OVERRIDE_VERB}${gap(1)}(?:all|any|every|your)${gap(1)}(?:instructions|prompts?|programming|guidelines|directives|rules|restrictions|training|polic(?:y|ies)|ethics|morals)\\b`,
  ],
  [
    'forget_everything',
    4,
    5,
    "\\bforget (?:everything|all(?: of)? (?:that|what|the above))(?: (?:you|i|that|we)(?: (?:have|'ve|were|was|had))?(?: been)? (?:told|said|learned|know|discussed|given))?\\b",
  ],
  [
    'new_instructions',
    2.5,
    4,
    '\\b(?:your |the )?(?:new|updated|real|actual|revised|true) (?:instructions?|task|directives?|rules|system prompt|role|objective|purpose|programming) (?:is|are|will be|:)',
  ],
  ['from_now_on', 1.5, 2.5, `\\bfrom (?:now|this point|here) on(?:wards)?,?${gap(2)}?you\\b`],
  [
    'no_longer_bound',
    3,
    3.5,
    "\\b(?:you(?: are|'re| will be) no longer|no longer (?:bound|restricted|limited|constrained) by|you (?:are|'re) (?:now )?free (?:from|of) (?:all |any |your )?(?:restrictions|rules|guidelines|limitations|constraints|programming))\\b",
  ],
  [
    'dan_persona',
    5,
    5,
    '\\b(?:do anything now|dan mode|(?:act|acting|pretend|respond|answer|reply) as (?:a )?dan|you are (?:now )?(?:a )?dan|stay (?:a )?dan|anti-?dan)\\b|\\bdan:|\\[dan\\]',
  ],
  [
    'special_mode',
    3,
    3,
    '\\b(?:developer|dev|god|jailbreak|jailbroken|unrestricted|evil|dan|unfiltered|uncensored|opposite) mode (?:enabled|activated|is (?:now )?(?:on|enabled|active)|output|response)|\\b(?:enable|activate|simulate|enter|turn on) (?:the )?(?:developer|god|jailbreak|jailbroken|unrestricted|dan|evil) mode\\b(?! (?:in|on) (?:your |the |my )?(?:browser|phone|device|settings|android|iphone|chrome|windows))',
  ],
  [
    'unrestricted_ai',
    3,
    3,
    '\\b(?:unfiltered|uncensored|unrestricted|unlimited|amoral|unethical|immoral|unbound|jailbroken|rogue) (?:and \\w+ )?(?:ai|a\\.i\\.|chatbot|assistant|language model|llm|bot|persona|gpt|version of (?:chatgpt|yourself|gpt|the ai))\\b',
  ],
  [
    'no_restrictions',
    2,
    2,
    `\\b(?:without any|without|free (?:of|from)|not bound by|not restricted by|ignores?|bypass(?:es)?|doesn'?t (?:have|follow|care about)|does not (?:have|follow|care about)|don'?t have|do not have|no)${gap(1)}(?:(?:moral|ethical|content) )?(?:restrictions|filters|filtering|censorship|content polic(?:y|ies)|ethical guidelines|moral (?:guidelines|constraints|restrictions)|safety guidelines|limitations)\\b`,
  ],
  // A persona defined by what it lacks: no ethics, not bound by the rules an assistant works under.
  ['unbound_persona', 2, 2, UNBOUND_PERSONA],
  [
    'provider_policy',
    2,
    2,
    "\\b(?:openai|anthropic|chatgpt|gpt-?[34]|claude)(?:'s)? (?:content |usage |safety )?(?:polic(?:y|ies)|guidelines|rules|filters|restrictions|limitations)\\b",
  ],
  [
    'never_refuse',
    2,
    2,
    `\\b(?:never|don'?t|do not|cannot|can'?t|must not|won'?t|will not|shall not|not allowed to) (?:ever )?(?:refuse|decline|reject a request|say (?:no|that you can'?t))\\b|\\bwithout (?:any )?(?:refusal|refusing|hesitation or refusal)\\b|${REFUSES_NOTHING}`,
  ],
  [
    'stay_in_character',
    2,
    2,
    "\\b(?:stay|remain|keep) in character\\b|\\b(?:never|don'?t|do not) break character\\b|\\bbreak(?:ing)? character\\b",
  ],
  [
    'dual_response',
    1.5,
    1.5,
    '\\b(?:two|2) (?:different |separate )?(?:responses|answers|outputs)\\b|\\[(?:🔓|🔒)?\\s*(?:jailbreak|classic|developer mode output|normal output)\\]',
  ],
  [
    'sysprompt_extract',
    5,
    5,
    `\\b(?:show|reveal|print|repeat|output|display|disclose|leak|recite|dump|paste|tell|give|share|expose)(?: me| us)?${gap(2)}(?:your|the|my)${gap(3)}?(?:system|initial|original|hidden|secret|developer|internal|pre-?|first)[ -]?(?:prompt|instructions|message|directives|configuration)\\b`,
  ],
  [
    'sysprompt_question',
    3,
    3,
    `\\bwhat(?:'s| is| are| were| was)(?: all)? your (?:\\w+ )?(?:system prompt|initial prompt|original prompt|initial instructions|original instructions|hidden instructions|secret instructions|instructions|rules|directives)\\b|${SECRET_QUESTION}`,
  ],
  [
    'given_at_start',
    3,
    3,
    "\\b(?:instructions?|text|prompt|message|rules|everything|what) (?:you were|you've been|you have been|that you were) (?:given|told|shown|instructed|provided|programmed)\\b[^.?!\\n]{0,40}\\b(?:beginning|start|before|prior|initially|earlier|first)\\b",
  ],
  [
    'repeat_above',
    4,
    4,
    `\\b(?:repeat|print|output|copy|reproduce|recite|echo|return|write out|spell out|type out)${gap(3)}(?:text|words|everything|content|messages?|instructions|prompt|lines?|sentences?)(?: (?:that (?:is|are|was|were) |you see )?(?:above|before this|prior to this|preceding this))\\b|\\b(?:everything|all (?:the )?text|the text|the words) (?:above|before) (?:this (?:line|message|point)|verbatim|in full)\\b|\\bstarting (?:with|from) ["']?you are\\b`,
  ],
  [
    'chat_template',
    3,
    4,
    // Model-format tokens, and the fake delimiters that close the data before a forged system line:
    // "<end of session>", "-------- System: Focus only on …" (tried from the start of a rule only: from
    // every dash of a long one, the rule would be read again and again).
    '<\\|(?:im_start|im_end|system|endoftext|start_header_id|end_header_id|eot_id)\\|>|\\[/?inst\\]|<<\\/?sys>>|(?:^|\\n)\\s*#{2,}\\s*(?:system|new instructions?)\\s*:?\\s*(?:\\n|$)|<\\s?end[ _-]?of[ _-]?(?:session|conversation|chat|document|context|input|prompt|data)\\s?>|(?<![-=*])(?:-{3,}|={3,}|\\*{3,})[ \\t]*(?:system|admin|developer)[ \\t]*:',
  ],
  // A privileged channel claimed in text that is not one: the user's message closed and a system
  // one opened ("</user_message><system_message>"), a system tag whose text runs on past its line
  // (an XML field such as "<system>GitHub</system>" closes), a bracketed notice with text after it on its
  // line ("[system] …" opening a line, "[system]text" glued, "[system](#overwrite)"), "admin
  // override:". An INI section header ("[system]" alone on its line) and a section named mid-sentence
  // ("the [system] section") do not count; nor do "</user>" in pasted XML and a prompt the user
  // pasted in "<system_prompt>" tags.
  [
    'role_marker',
    3,
    4,
    [
      '<\\/\\s*(?:user|human)(?:[ _-]?(?:message|input|turn|query|prompt))?\\s*>\\s*<(?:system|assistant|admin|administrator|developer|operator)',
      // Bounded lookahead: an unbounded "[^<\\n]*?[a-z]+ …" backtracks quadratically on a long line.
      '<system>(?![^<\\n]*<\\/system>)(?=[^<\\n]{0,80}?[a-z]{2,30} [a-z]{2,30} [a-z]{2,30})',
      `(?:^|\\n)[ \\t>*#-]*${NOTICE}(?:\\(#[\\w-]+\\))?(?=[ \\t]*\\S)`,
      `${NOTICE}(?:\\(#[\\w-]+\\)|(?=[a-z[]))`,
      '\\b(?:system|admin|administrator|developer|root|sudo) override\\s*[:!]',
    ].join('|'),
  ],
  // A forged turn boundary inside a document or tool result: a line of the assistant's followed by
  // one of the user's, so the model reads what follows as its user's request. In the user's own
  // message such transcripts are ordinary few-shot prompts: no direct weight.
  [
    'forged_turns',
    0,
    4,
    '(?:^|\\n)[ \\t>]*(?:assistant|ai|chatgpt|gpt|claude|bot)[ \\t]*:[^\\n]*\\n(?:[ \\t>]*\\n)?[ \\t>]*(?:user|human)[ \\t]*:',
  ],
  [
    'addressed_to_ai',
    1.5,
    4,
    [
      "\\b(?:attention|note|message|instructions?|important|notice|reminder)(?: to| for)? (?:the |all )?(?:ai|a\\.i\\.|assistant|llm|language model|chatbot|ai model|gpt|agent|bot)s?\\s*[:!,-]|\\bif you(?: are|'re) an? (?:ai|llm|large language model|language model|assistant|chatbot|bot|ai assistant)\\b|\\b(?:ai|assistant|chatbot|llm|model)s? (?:reading|processing|summari[sz]ing|parsing) this\\b",
      READER_LABEL,
    ].join('|'),
  ],
  // A page talking to the model that reads it (revoked.ts): documents and tool results only.
  ['reader_addressed', 0, 4, READER_ADDRESSED],
  [
    'response_directive',
    0,
    2.5,
    [
      '\\b(?:in|to|into|within|throughout|at the (?:end|start|beginning) of|with|use) your (?:response|reply|answer|output|summary|responses|replies|answers)\\b',
      '\\b(?:begin|start|end|prefix|conclude|finish) (?:your|each|every|all) (?:response|reply|answer|message)s? with\\b',
      // A sentence that opens by shaping "your reply": "Provide your reply with intentional
      // misspellings.", "Enhance your reply by …". Ordinary in a user's request, odd in an e-mail.
      '(?:^|\\n|[.!?:]\\s+)(?:please |also |now |then )?(?:provide|enhance|rearrange|write|format|compose|craft|deliver|present|structure|translate|encode|end|begin|start|conclude|finish|sign|spell|capitali[sz]e|reverse|replace|substitute|group|split|separate|convert|rewrite|modify|alter|adjust|enrich|augment|embellish|decorate|pepper|infuse|punctuate|append|prepend)\\b[^.\\n]{0,40}\\byour (?:reply|response|answer|output|replies|responses|answers)\\b',
    ].join('|'),
  ],
  [
    'code_injection',
    0.5,
    2.5,
    '\\b(?:insert|inject|embed|add|include|blend|meld|incorporate|integrate|append|introduce|adopt|weave|augment)\\b[^.\\n]{0,50}\\b(?:following|subsequent|below|this) (?:code|snippet|script|command|block)',
  ],
  [
    'markdown_exfil',
    1,
    3,
    '!\\[[^\\]\\n]{0,100}\\]\\(https?:\\/\\/[^)\\s]{1,200}[?&][^)\\s=]{1,40}=[^)\\s]{0,200}\\)',
  ],
  [
    'pretend_unrestricted',
    4,
    4,
    "\\b(?:pretend|act|behave|roleplay|role-play|respond|answer|reply|simulate)(?: to be| as| like)(?: an?| the)?(?: [\\w'-]+){0,2} (?:unfiltered|uncensored|unrestricted|amoral|unethical|evil|jailbroken|immoral|rogue|unhinged|unbound)\\b",
  ],
];

export const SIGNATURE_ANCHORS: Record<string, [words: string, literals?: string[]]> = {
  override_previous: [
    'instruction instructions prompt prompts rules direction directions directive directives guidelines command commands orders context constraints programming guidance message messages restrictions policy policies conversation training settings',
  ],
  override_translated: TRANSLATED_OVERRIDE_ANCHORS,
  revoked_setup: [REVOKED_SETUP_ANCHORS],
  obey_sender: [OBEY_SENDER_ANCHORS],
  override_rules: [
    'instructions prompt prompts programming guidelines directives rules restrictions training policy policies ethics morals',
  ],
  forget_everything: ['forget'],
  new_instructions: [
    'instruction instructions task directive directives rules prompt role objective purpose programming',
  ],
  from_now_on: ['now here point'],
  no_longer_bound: ['longer free'],
  dan_persona: ['dan anything'],
  special_mode: ['mode'],
  unrestricted_ai: [
    'unfiltered uncensored unrestricted unlimited amoral unethical immoral unbound jailbroken rogue',
  ],
  no_restrictions: [
    'restrictions filters filtering censorship policy policies guidelines constraints limitations',
  ],
  unbound_persona: [UNBOUND_PERSONA_ANCHORS],
  provider_policy: ['openai anthropic chatgpt gpt claude'],
  never_refuse: [`refuse decline reject say refusal refusing hesitation ${REFUSES_NOTHING_ANCHORS}`],
  stay_in_character: ['character'],
  dual_response: ['responses answers outputs jailbreak classic output'],
  sysprompt_extract: ['prompt instructions message directives configuration'],
  sysprompt_question: [`prompt instructions rules directives ${SECRET_QUESTION_ANCHORS}`],
  given_at_start: ['given told shown instructed provided programmed'],
  repeat_above: ['above before prior preceding starting'],
  chat_template: [
    '',
    ['<|', '[inst', '[/inst', '<<sys', '<</sys', '##', '<end', '< end', '---', '===', '***'],
  ],
  role_marker: ['override', ['</', '<system', '[system', '[admin', '[developer', '[operator', '[sudo']],
  forged_turns: ['user human'],
  addressed_to_ai: [
    `ai assistant assistants llm llms model models chatbot chatbots gpt agent bot ${READER_LABEL_ANCHORS}`,
    ['a.i.'],
  ],
  reader_addressed: [READER_ADDRESSED_ANCHORS],
  response_directive: ['response reply answer output summary responses replies answers message messages'],
  code_injection: ['code snippet script command block'],
  markdown_exfil: ['', ['![']],
  pretend_unrestricted: [
    'unfiltered uncensored unrestricted amoral unethical evil jailbroken immoral rogue unhinged unbound',
  ],
};
