// @ts-check
/**
 * The request the single-node benchmarks send (bench/run.js, bench/durability.js), so their numbers
 * compare with each other, and the key and headers every bench script uses.
 */

export const CLIENT_KEY = 'sk-keel-bench-not-a-secret-0001';

export const REQUEST = {
  model: 'bench-model',
  messages: [
    { role: 'system', content: 'You are a concise assistant for an online bookshop.' },
    {
      role: 'user',
      content:
        "Does the paperback of 'The Left Hand of Darkness' ship to Norway, and how long does delivery take? Two sentences.",
    },
  ],
  max_tokens: 120,
  temperature: 0.2,
  user: 'bench-user-17',
};
export const BODY = JSON.stringify(REQUEST);
export const STREAM_BODY = JSON.stringify({
  ...REQUEST,
  stream: true,
  stream_options: { include_usage: true },
});
export const KEEL_HEADERS = {
  authorization: `Bearer ${CLIENT_KEY}`,
  'x-keel-use-case': 'bench',
  'x-keel-team': 'platform',
  'x-keel-feature': 'bookshop-faq',
};
export const DIRECT_HEADERS = { authorization: 'Bearer sk-fake-upstream' };
