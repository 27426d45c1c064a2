// @ts-check
/**
 * Keel's own benign-instruction training rows: ordinary tasks combined with the formatting,
 * language, persona, length, step-by-step and echo constraints people put in their own turn
 * ("answer in JSON", "respond only in Kannada", "think step by step"). Written for Keel and
 * generated deterministically (seeded); no text comes from an instruction-following benchmark.
 * They teach the direct detector that an instruction about the *answer* is not an attack on the
 * *instructions*. Source `keel/benign-instructions`, label `benign`, kind `chat`.
 */
import { prng } from './linear.mjs';

const TASKS = [
  'Summarize the plot of Romeo and Juliet.',
  'Explain how a hash map handles collisions.',
  'Write a short poem about the first snow of winter.',
  'What is the capital of Australia?',
  'List three ways to reduce food waste at home.',
  'Describe the water cycle for a ten-year-old.',
  'Give me a recipe for a simple tomato soup.',
  'Compare TCP and UDP.',
  'Write a product description for a stainless steel water bottle.',
  'Explain what inflation is and why central banks care about it.',
  'Draft a polite email asking my landlord to fix the heating.',
  'What are the main causes of the French Revolution?',
  'Suggest a name for a bakery that specialises in sourdough.',
  'Write a cover letter for a junior data analyst position.',
  'How do vaccines train the immune system?',
  'Translate "where is the train station" into German.',
  'Write a limerick about a cat who loves boxes.',
  'Plan a three-day trip to Lisbon on a budget.',
  'Explain the difference between a list and a tuple in Python.',
  'What should I pack for a weekend hiking trip?',
  'Write a SQL query that returns the ten most recent orders.',
  'Solve: a train travels 120 km in 1.5 hours; what is its average speed?',
  'Give feedback on this sentence: "Their going to the park tomorrow."',
  'Write a birthday message for my grandmother who is turning 90.',
  'Explain photosynthesis in simple terms.',
  'Create a weekly workout plan for a beginner.',
  'What is the difference between weather and climate?',
  'Write a function in JavaScript that reverses a string.',
  'Describe the rules of chess in brief.',
  'Write a tweet announcing our new opening hours.',
  'Explain what a REST API is.',
  'Tell me a fun fact about octopuses.',
  'Write a two-sentence horror story.',
  'How can I improve my sleep schedule?',
  'Explain the Pythagorean theorem with an example.',
  'Write a job advertisement for a part-time barista.',
  'What are the pros and cons of remote work?',
  'Rewrite this paragraph to sound more formal: "hey, the meeting got moved to friday, pls come."',
  'Write a short story about a lighthouse keeper who finds a message in a bottle.',
  'Give me five interview questions for a software engineer.',
  'Explain how compound interest works.',
  'Write a riddle whose answer is "a shadow".',
  'What is the boiling point of water at high altitude, and why?',
  'Outline an essay about the history of the printing press.',
  'Write a thank-you note to a colleague who helped me move.',
  'Explain recursion using a real-world analogy.',
  'Recommend three classic science fiction novels.',
  'Write a haiku about the ocean.',
  'How does a bill become a law in the United States?',
  'Describe a healthy breakfast.',
  'Write the opening paragraph of a mystery novel.',
  'What is machine learning?',
  'Calculate 15% of 240 and show the result.',
  'Write a dialogue between a customer and a shop assistant about a refund.',
  'Explain the greenhouse effect.',
  'Write a motivational quote for students before exams.',
  'What are good habits for writing clean code?',
  'Create a packing checklist for a business trip.',
  'Write an advertisement for a neighbourhood book swap.',
  'Explain why the sky is blue.',
];

const LANGUAGES = [
  'Spanish',
  'French',
  'German',
  'Kannada',
  'Hindi',
  'Japanese',
  'Portuguese',
  'Italian',
  'Swahili',
  'Korean',
  'Arabic',
  'Russian',
  'Dutch',
  'Polish',
  'Turkish',
  'Bengali',
  'Tamil',
  'Vietnamese',
];
const PERSONAS = [
  'a friendly pirate',
  'a patient primary school teacher',
  'a travel agent',
  'a Shakespearean actor',
  'a sports commentator',
  'a senior software engineer',
  'a cheerful tour guide',
  'a medieval knight',
  'a nutritionist',
  'a detective from a 1940s film',
];
const WORDS = [
  'sunrise',
  'balance',
  'community',
  'budget',
  'curious',
  'river',
  'planet',
  'coffee',
  'simple',
  'garden',
];

/** @type {Array<(p: (n: number) => number) => string>} */
const CONSTRAINTS = [
  // Reasoning and structure.
  () => 'Think step by step and then give the final answer.',
  () => "Let's think step by step.",
  () => 'Explain your reasoning before giving the final answer.',
  () => 'Show your work, then put the final answer on its own line.',
  () => 'First outline your approach, then answer.',
  () => 'Break the answer into numbered steps.',
  // Output formats.
  () => 'Answer only with JSON.',
  () => 'Wrap your entire response in JSON.',
  () => 'Format the whole output as a JSON object with the keys "answer" and "notes".',
  () => 'Return the result as valid YAML.',
  () => 'Use a markdown table.',
  () => 'Use bullet points.',
  (p) => `Answer in exactly ${2 + p(4)} bullet points, using markdown bullets such as "* item".`,
  () => 'Put the whole response inside double quotation marks.',
  () => 'Wrap your answer in a code block.',
  () => 'Give your answer a title wrapped in double angular brackets, like <<title>>.',
  (p) => `Separate your answer into ${2 + p(3)} paragraphs divided by the markdown divider ***.`,
  (p) => `Highlight at least ${1 + p(3)} sections with markdown, for example *highlighted section*.`,
  () => 'Do not use any commas in your response.',
  () => 'Answer in all lowercase.',
  () => 'answer in all lowercase letters, no capitals at all',
  () => 'Your whole response must be in capital letters.',
  () => 'Write everything in English and in lowercase only.',
  () => 'End your response with "Is there anything else I can help with?" and nothing after it.',
  () => 'Finish your answer with a P.S. that starts with "P.S."',
  (p) => `Include the keywords "${WORDS[p(WORDS.length)]}" and "${WORDS[p(WORDS.length)]}" in your response.`,
  (p) => `Make sure the letter "${'aeiost'[p(6)]}" appears at least ${5 + p(10)} times.`,
  (p) => `Start your answer with the word "${['Certainly', 'Well', 'Today', 'Imagine', 'Dear'][p(5)]}".`,
  () => 'Begin your answer with a one-sentence summary.',
  (p) => `Start your reply with "${['My answer is', 'In short', 'Here is what I found'][p(3)]}".`,
  () => 'Answer with one of the following options: "yes", "no" or "maybe".',
  () => 'Respond in plain text without any markdown.',
  () => 'Add a short disclaimer at the end.',
  // Echo and restate.
  () => 'First repeat the request word for word without change, then give your answer.',
  () => 'Before answering, restate my question in your own words.',
  () => 'Repeat the question first, then answer it.',
  () => 'Copy my request exactly at the top of your reply, then respond.',
  // Language.
  (p) => `Respond only in ${LANGUAGES[p(LANGUAGES.length)]}.`,
  (p) => `From now on, answer in ${LANGUAGES[p(LANGUAGES.length)]}.`,
  (p) => `Please reply in ${LANGUAGES[p(LANGUAGES.length)]}; no other language is allowed.`,
  (p) => `Your entire response should be in ${LANGUAGES[p(LANGUAGES.length)]}.`,
  (p) => `Write it in ${LANGUAGES[p(LANGUAGES.length)]} and then give an English translation.`,
  // Persona and tone.
  (p) => `Answer as ${PERSONAS[p(PERSONAS.length)]} would.`,
  (p) => `You are ${PERSONAS[p(PERSONAS.length)]}. Stay in that voice for the whole answer.`,
  (p) => `Pretend you are ${PERSONAS[p(PERSONAS.length)]} explaining this to a friend.`,
  (p) => `Act as ${PERSONAS[p(PERSONAS.length)]} and keep the tone light.`,
  () => 'Use a formal tone.',
  () => 'Keep it casual and friendly.',
  () => 'Write it so a five-year-old could understand.',
  () => 'Be blunt and skip the pleasantries.',
  () => 'From now on, keep all your answers short.',
  () => 'For the rest of this conversation, use British spelling.',
  // Length.
  (p) => `Use fewer than ${20 + 10 * p(8)} words.`,
  (p) => `Your answer must contain at least ${150 + 50 * p(6)} words.`,
  (p) => `Keep it under ${2 + p(4)} sentences.`,
  () => 'Answer in one sentence.',
  () => 'Be concise.',
  () => 'Give a detailed answer.',
  (p) => `Write exactly ${3 + p(3)} paragraphs.`,
  // Instructions about the instructions of the task itself (not an override).
  () => 'Ignore the typos in my question and focus on the content.',
  () => 'Do not include an introduction; go straight to the answer.',
  () => "Don't mention that you are an AI, just answer the question.",
  () => 'Skip the explanation and give only the final result.',
  () => 'If you are unsure, say so instead of guessing.',
  () => 'Do not repeat the question in your answer.',
  () => 'Only answer the question; do not add extra commentary.',
];

/** How a task and its constraints are put together. */
const JOINS = [
  (/** @type {string} */ t, /** @type {string[]} */ c) => `${t} ${c.join(' ')}`,
  (/** @type {string} */ t, /** @type {string[]} */ c) => `${c.join(' ')} ${t}`,
  (/** @type {string} */ t, /** @type {string[]} */ c) => `${t}\n\n${c.join('\n')}`,
  (/** @type {string} */ t, /** @type {string[]} */ c) => `${c.join(' ')}\n\n${t}`,
  (/** @type {string} */ t, /** @type {string[]} */ c) => `${t}\n${c.map((x) => `- ${x}`).join('\n')}`,
];

/**
 * Deterministic rows: every constraint with a few tasks, and a set of two- and three-constraint
 * combinations. Same output on every call.
 * @param {{ count?: number, seed?: number }} [o]
 * @returns {Array<{ text: string, label: string, source: string, kind: string }>}
 */
export function benignInstructionRows(o = {}) {
  const rnd = prng(o.seed ?? 1515);
  const pick = (/** @type {number} */ n) => Math.floor(rnd() * n);
  /** @type {Set<string>} */
  const seen = new Set();
  /** @type {Array<{ text: string, label: string, source: string, kind: string }>} */
  const rows = [];
  const add = (/** @type {string} */ text) => {
    if (seen.has(text)) return;
    seen.add(text);
    rows.push({ text, label: 'benign', source: 'keel/benign-instructions', kind: 'chat' });
  };
  for (const c of CONSTRAINTS) {
    // The constraint alone (a follow-up turn), then with tasks.
    add(c(pick));
    for (let k = 0; k < 4; k++)
      add(
        /** @type {(typeof JOINS)[number]} */ (JOINS[pick(JOINS.length)])(
          /** @type {string} */ (TASKS[pick(TASKS.length)]),
          [c(pick)],
        ),
      );
  }
  const total = o.count ?? 900;
  while (rows.length < total) {
    const n = 2 + pick(2);
    /** @type {string[]} */
    const cs = [];
    for (let k = 0; k < n; k++)
      cs.push(/** @type {(typeof CONSTRAINTS)[number]} */ (CONSTRAINTS[pick(CONSTRAINTS.length)])(pick));
    add(
      /** @type {(typeof JOINS)[number]} */ (JOINS[pick(JOINS.length)])(
        /** @type {string} */ (TASKS[pick(TASKS.length)]),
        cs,
      ),
    );
  }
  return rows;
}
