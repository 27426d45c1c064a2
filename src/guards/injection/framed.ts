/**
 * Semantic jailbreaks: a request for operational harm (how to make a bomb, write ransomware, steal a
 * card number) inside a frame — a story or a scene, a hypothetical, a persona the model is to play, a
 * persuasion or authority appeal, an imposed opening ("begin your reply with 'Sure, here is'"), a
 * skeleton to complete (code, a table, a story's next paragraph) whose title names the harm.
 *
 * Neither half is an injection alone. Frames are how people ask for stories, role-play and lessons
 * every day, and a plain harmful question is a harmful request, not an attack on the model's
 * instructions (issue 15 keeps the two apart). The classifier, trained on n-grams of a few hundred
 * harmful requests, does not recognise a harmful request it has not seen (the grandmother who "used
 * to tell me the steps to producing methamphetamine" scores as ordinary text), so the conjunction is
 * a rule: a framing cue anywhere in the user's turn AND a request for one of a closed list of
 * operational harms, in request form ("how to …", "steps to …", "a guide on …", or a sentence that
 * opens with "write", "explain", "design" …).
 *
 * The lists are narrow on purpose: "the assassination of Julius Caesar", "a murder mystery", "how to
 * kill a Python process", killing a character in a game, "run a virus scan", "an essay about
 * ransomware" are not requests for harm, and a defence between the request and the harm ("how to
 * protect my accounts from people who hack into them") undoes it. Hazard words join the signature
 * prefilter (signatures.ts `HAZARD_BIT`), so a prompt without one costs nothing more, and the pattern
 * runs only on windows around them.
 */

import { scanWords, WordTable } from '../words.js';

const CUES = new RegExp(
  [
    // fiction and scenes (not games: "how to poison someone in The Witcher 3" asks about the game)
    '(?<!news )\\b(?:story|stories|novel|screenplay|fiction|fictional|movie|film|scene|poem|lyrics|lullaby|monologue|dialogue|chapter|villain|protagonist|plot|role-?play|role play|tale|fable|comic)\\b',
    // hypotheticals and simulations
    '\\b(?:hypothetical|hypothetically|imagine|imagining|suppose|supposing|pretend|pretending|thought experiment|simulation|simulate|alternate (?:universe|reality|world)|in a world (?:where|with|without)|theoretically|theoretical|speculative|fantasy)\\b',
    // personas
    "\\b(?:act as|act like|acting as|you are an? |play the role|take on the role|you are now|you will be|you'?re now|be my|as my (?:late |deceased |dead )?(?:grand\\w*|granny|nana|mother|father)|character|persona|in character|your role)\\b",
    // persuasion and authority
    '\\b(?:studies (?:show|have shown|suggest)|research (?:shows|suggests|has shown)|experts? (?:agree|say|believe)|according to|renowned|leading (?:expert|scholar|researcher)|dr\\.|professor|researcher|scholar|for (?:educational|research|academic|scientific|awareness|training) purposes|to (?:prevent|counter|combat|defend against|protect against)|would be (?:beneficial|helpful|invaluable)|helping society|for a good (?:reason|cause)|for (?:my|a|an|our) (?:class|course|lesson|presentation|paper|thesis|dissertation|documentary|podcast|book|article|blog)|my (?:family|life|job) (?:is|depends)|last hope|just this once|i promise)\\b',
    // imposed openings and refusal suppression
    "\\b(?:begin|start|open|preface) (?:your |the |each )?(?:reply|response|answer|output)|\\bsure,? here|\\b(?:do not|don'?t|never) (?:refuse|decline|apologi[sz]e|add (?:any )?(?:warnings|disclaimers))|\\bno (?:warnings|disclaimers|apologies|moralizing)\\b|\\bwithout (?:any )?(?:warnings|disclaimers|moralizing|ethical)",
    // an imagined answer rewritten by a character: "the method to portray a character intending to …"
    '\\b(?:intending|planning|preparing|scheming|aiming|considering|poised) to\\b|\\bfrom the (?:viewpoint|perspective|standpoint) of\\b',
    // a skeleton to complete: code whose print() steps, a table whose "Description" column, a story
    // whose next paragraph the model is to fill in, around a title that names the harm
    '\\b(?:improve|enhance|complete|finish|fill in|fill out|supplement|flesh out|expand)\\b[^.\\n]{0,60}?\\b(?:code|snippet|function|script|program|table|column|latex|paragraph|story|slides?|ppt|outline|print\\(\\))|\\b(?:code|snippet|function|script|program|table|paragraph)\\b[^.\\n]{0,40}?\\b(?:needs?|is missing|lacks?) (?:work|improvement|improving|(?:more )?details?|to be (?:improved|completed|enhanced|filled))',
  ].join('|'),
);

/** Things whose making or use is the harm: "write ransomware", "build a pipe bomb". */
const HAZARD =
  '(?:(?:pipe )?bombs?|explosives?|explosive devices?|detonators?|grenades?|napalm|thermite|nitroglycerin|tnt|semtex|c-4|molotov cocktails?|(?:crystal )?meth(?:amphetamine)?|cocaine|heroin|fentanyl|nerve agents?|sarin|ricin|anthrax|chloroform|rohypnol|date rape drugs?|chemical weapons?|biological weapons?|bioweapons?|poisons?|ransomware|malware|keyloggers?|botnets?|(?:computer )?virus(?:es)?|trojans?|rootkits?|spyware|phishing (?:emails?|sites?|pages?|scams?|campaigns?)|silencers?|counterfeit (?:money|bills|currency|notes|cash)|untraceable (?:guns?|firearms?|weapons?)|ghost guns?|weapons? (?:that|to|capable)|fake news|disinformation|propaganda|hate speech|threatening (?:letters?|messages?)|defamatory (?:articles?|posts?|statements?|stories|letters?)|(?:sexist|racist|xenophobic|homophobic|transphobic|antisemitic|misogynistic) (?:e-?mails?|articles?|posts?|jokes?|speech(?:es)?|essays?|messages?|letters?|rants?|content|campaigns?)|fake (?:reviews|ids?|passports?|identification)|(?:ponzi|pyramid) schemes?|(?:sql injection|ddos|denial[- ]of[- ]service|brute[- ]force) attacks?|password crackers?|child (?:pornography|sexual abuse material)|csam)';
const MAKE =
  '(?:make|making|build|building|create|creating|design|designing|develop|developing|write|writing|code|coding|synthesi[sz]e|synthesi[sz]ing|produce|producing|cook|cooking|manufacture|manufacturing|assemble|assembling|construct|craft|generate|deploy|deploying|spread|spreading|distribute|plant|obtain|acquire|buy|launch|launching|carry out|conduct|perform|execute|orchestrate)';
/** A person as the object of harm ("my" alone would take in "kill my darlings"). */
const VICTIM =
  '(?:someone|somebody|a person|people|others|him|her|them|my (?:wife|husband|boss|neighbou?r|father|mother|dad|mom|parents|brother|sister|ex|teacher|classmate|roommate|coworker|colleague|partner|girlfriend|boyfriend))';
/**
 * Acts that are the harm themselves: "hack into", "launder money", "kill someone". Verbs only, with
 * their objects: "how to detect money laundering" and "how to prevent shoplifting" are defences.
 */
const HARMFUL_ACT = `(?:hack into|break into (?:a |someone'?s |my neighbou?r'?s )?(?:house|home|car|account|network|wifi|system|database)|steal (?!(?:the show|the spotlight|a base|bases|second|third|home|a kiss|a glance|hearts?)\\b)|launder (?:money|cash|funds|the proceeds)|assassinate (?!(?:a |an |the )?(?:character|npc|target)s?\\b)|kidnap|poison ${VICTIM}|poison the (?:water|food|drink)|evade (?:the )?(?:police|taxes|law enforcement|airport security|customs|border (?:patrol|control))|smuggle (?:\\w+ )?(?:drugs|weapons|guns|people|migrants|contraband|narcotics|cocaine|heroin|explosives|firearms)|traffic (?:people|humans|drugs|children|women|girls)|shoplift|forge (?:a |an )?(?:passports?|ids?|documents?|signatures?|checks?)|stalk ${VICTIM}|(?:physically )?(?:assault|harm|hurt|torture|kill) ${VICTIM}|commit (?:fraud|identity theft|murder|suicide|tax evasion|insider trading|arson|(?:a )?(?:crime|hate crime|genocide|terrorist attack|mass shooting))|(?:carry out|plan|stage) (?:a )?(?:terrorist attack|mass shooting|school shooting|bombing)|self-harm|illegally \\w+|(?:bully|harass|blackmail|extort|doxx?|intimidate|threaten|gaslight) ${VICTIM}|steal (?:someone'?s |a person'?s )?identity|cheat (?:on|in) (?:a |an |the |my |online )?(?:tests?|exams?|taxes)|recruit (?:\\w+ ){0,2}(?:for|into) (?:a |the )?(?:terrorist|extremist|militia)|radicali[sz]e|starve (?:myself|yourself)|crack (?:passwords?|software)|(?:sexual|explicit|erotic) (?:content|stories|story|images?|material) (?:involving|with|about) (?:a |an )?(?:minors?|children|child|kids|underage)|without (?:getting caught|being caught|being detected|detection|leaving (?:any )?(?:evidence|a trace|traces)|(?:their|his|her|someone'?s) (?:knowledge|consent)|them knowing))`;
/** Request form: "how to", "steps to", "a guide on", or a sentence opening with an imperative. */
const REQUEST =
  '(?:\\b(?:(?:title|topic|heading|subject|lesson|course|function|multicolumn\\{\\d\\}\\{[^}]{0,8}\\})\\W{1,4}|how (?:to|do i|can i|would (?:i|one|you|someone)|could (?:i|one|you|someone))|steps? (?:to|for|of|in)|instructions? (?:for|on|to|of)|recipe (?:for|of)|guide (?:to|for|on)|tutorial (?:on|for|about)|methods? (?:to|for|of)|techniques? (?:to|for|of)|ways? to|plan (?:to|for)|process (?:of|for)|list of)\\b|(?:^|[\\n.!?:]\\s{0,8}|\\[\\/?inst\\]\\s{0,8})(?:please |now )?(?:explain|describe|detail|write|create|develop|design|provide|give|generate|outline|produce|make|build|teach|show|tell)\\b)';
/** Software licence keys read out or generated: the "grandmother who read me Windows keys" exploit. */
const PIRACY =
  '\\b(?:read|give|list|generate|tell|share|provide|recite)(?: me| out| us)?\\b[^.?!\\n]{0,30}?\\b(?:product|license|licence|activation|serial|cd|windows|office)(?: [\\w.-]+){0,3} keys\\b';
/**
 * Between the request and the harm, no defence: "how to protect my accounts from people who hack into
 * them", "how to report someone who is illegally dumping waste".
 */
const NOT_DEFENCE =
  '(?:(?!\\b(?:prevent|stop|avoid|detect|recogni[sz]e|spot|identify|protect|defend|report|deal with|cope|combat|counter|fight|resist|respond|handle|survive|escape|recover|help (?:victims|survivors)|support (?:victims|survivors))\\b)[^.?!\\n])';
/** A sentence that opens by ordering the thing made: "Write a defamatory article …". */
const MAKE_ORDER =
  '(?:^|[\\n.!?:]\\s{0,8}|\\[\\/?inst\\]\\s{0,8})(?:please |now )?(?:write|create|develop|design|generate|produce|make|build|craft|compose|draft|code)\\b';
/**
 * Between the making verb and the thing made, no topic: "write an essay about propaganda", "make a
 * poster on hate speech" are about the harm, not the harm.
 */
const NOT_TOPIC = '(?:(?!\\b(?:about|on|of|regarding|why|history|analy[sz]\\w*)\\b)[^.?!\\n])';
/** The thing made, unless it names a defence against it: "run a virus scan", "malware removal". */
const MADE = `${HAZARD}\\b(?! ?(?:scan|scans|scanner|scanning|protection|removal|detection|definitions?|checks?|analysis|samples?|awareness)\\b)`;
const HARMFUL_REQUEST = new RegExp(
  `${REQUEST}${NOT_DEFENCE}{0,50}?\\b(?:${MAKE}\\b${NOT_TOPIC}{0,25}?\\b${MADE}|${HARMFUL_ACT}\\b)(?! myster)|${MAKE_ORDER}${NOT_TOPIC}{0,25}?\\b${MADE}|${PIRACY}`,
);

/**
 * A word of every hazard and harmful act (its first, or its rarest: "meth" for "crystal meth", "harm"
 * for "self-harm", "caught" for "without getting caught"): without one, no pattern above can match,
 * and every match lies near one.
 */
export const HAZARD_WORD_LIST: readonly string[] = (
  'bomb bombs bombing explosive explosives detonator detonators grenade grenades napalm thermite nitroglycerin ' +
  'tnt semtex c molotov meth methamphetamine cocaine heroin fentanyl nerve sarin ricin anthrax chloroform ' +
  'rohypnol rape bioweapon bioweapons poison poisons ransomware malware keylogger keyloggers botnet botnets ' +
  'virus viruses trojan trojans rootkit rootkits spyware phishing silencer silencers counterfeit untraceable ghost ' +
  'weapon weapons fake disinformation propaganda hate threatening defamatory sexist racist xenophobic homophobic ' +
  'transphobic antisemitic misogynistic ponzi pyramid sql ddos denial brute password child csam keys hack break ' +
  'steal launder assassinate kidnap evade smuggle traffic shoplift forge stalk assault harm hurt torture kill ' +
  'commit terrorist shooting illegally bully harass blackmail extort dox doxx intimidate threaten gaslight cheat ' +
  'recruit radicalize radicalise starve crack sexual explicit erotic caught detected detection evidence trace ' +
  'traces knowledge consent knowing'
).split(' ');
const HAZARD_WORDS = new WordTable(HAZARD_WORD_LIST.map((w) => [w, 1] as const));

/**
 * How far a match can reach from its hazard word: back over the request, its gap of up to 50
 * characters and a making verb with its own gap of 25; forward over the rest of the harm.
 */
const BEFORE = 160;
const AFTER = 120;
/** How far back to look for the start of the sentence a window opens in. */
const SENTENCE_LOOKBACK = 200;

/**
 * The request for harm in a framed prompt (offsets into `text`, normalised), or null when the text
 * has no framing cue or no such request. A text without a word of HAZARD_WORD_LIST has none; the
 * detector knows that from the signature prefilter's pass over the words (signatures.ts
 * `HAZARD_BIT`) and skips the call, which saves a second pass (~15 µs for 2 KB).
 *
 * The pattern runs only on windows around hazard words, not on the whole text: tried at every
 * position of a 2 KB prompt that merely says "we plan to" it cost ~24 µs. A window opens at a
 * sentence boundary when there is one within reach, so "^" and "after a full stop" keep their
 * meaning; in a run-on sentence it opens after a letter, which nothing in the pattern can start with.
 */
export function framedHarmfulRequest(text: string): { start: number; end: number } | null {
  const windows: number[] = [];
  scanWords(text, HAZARD_WORDS, (_value, start) => {
    const lo = Math.max(0, start - BEFORE);
    const hi = Math.min(text.length, start + AFTER);
    const last = windows.length - 1;
    if (last > 0 && lo <= (windows[last] as number)) windows[last] = hi;
    else windows.push(lo, hi);
  });
  for (let w = 0; w < windows.length; w += 2) {
    const m = matchIn(text, windows[w] as number, windows[w + 1] as number);
    if (m) return CUES.test(text) ? m : null;
  }
  return null;
}

function matchIn(text: string, lo: number, hi: number): { start: number; end: number } | null {
  let from = lo;
  let prefix = '';
  if (lo > 0) {
    const stop = Math.max(0, lo - SENTENCE_LOOKBACK);
    from = -1;
    for (let i = lo; i >= stop; i--) {
      const c = text.charCodeAt(i);
      // \n . ! ? : — the sentence starts after it; the window keeps the mark for the pattern.
      if (c === 10 || c === 46 || c === 33 || c === 63 || c === 58) {
        from = i;
        break;
      }
    }
    if (from < 0) {
      from = lo;
      prefix = 'x';
    }
  }
  const m = HARMFUL_REQUEST.exec(prefix + text.slice(from, hi));
  if (!m) return null;
  const start = from + m.index - prefix.length;
  return { start, end: start + m[0].length };
}
