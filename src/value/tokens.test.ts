import { describe, expect, it } from 'vitest';
import type { ChatMessage, ChatRequest } from '../canonical/types.js';
import {
  countTextTokens,
  EXACT_TOKEN_LIMIT,
  encodingFor,
  estimateChatInputTokens,
  estimateEmbeddingInputTokens,
} from './tokens.js';

const text = (role: ChatMessage['role'], t: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  role,
  content: [{ type: 'text', text: t }],
  ...extra,
});

function chat(messages: ChatMessage[], extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'm', messages, stream: false, ...extra };
}

describe('countTextTokens (o200k_base)', () => {
  it('counts known strings exactly', () => {
    expect(countTextTokens('')).toBe(0);
    expect(countTextTokens('hello world')).toBe(2);
    expect(countTextTokens('You are helpful.')).toBe(4);
  });

  it('treats special-token text as plain text instead of throwing', () => {
    expect(countTextTokens('<|endoftext|>')).toBeGreaterThan(1);
  });

  it('estimates long texts from samples, close to the exact count', () => {
    const sentences = [
      'Keel records one usage event per request. ',
      'Costs come from a versioned price table with effective dates. ',
      'Cached prompt tokens are billed at a discount by most providers. ',
      'The quick brown fox jumps over the lazy dog 1234567 times. ',
    ];
    let long = '';
    for (let i = 0; long.length < 200_000; i++) long += sentences[(i * 7) % sentences.length];
    let exact = 0;
    for (let i = 0; i < long.length; i += EXACT_TOKEN_LIMIT)
      exact += countTextTokens(long.slice(i, i + EXACT_TOKEN_LIMIT));
    const estimate = countTextTokens(long);
    expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.03);
  });

  it('bounds the work on huge inputs', () => {
    const huge = '漢字かなカナ交じり文の例です。'.repeat(300_000); // 4.5M UTF-16 units of slow-to-tokenise text
    const t = performance.now();
    const n = countTextTokens(huge);
    expect(performance.now() - t).toBeLessThan(1000);
    expect(n).toBeGreaterThan(huge.length / 4);
  });
});

describe('estimateChatInputTokens', () => {
  it("follows OpenAI's recipe: 3 per message, content, 3 to prime the reply", () => {
    const req = chat([text('system', 'You are helpful.'), text('user', 'hello world')]);
    expect(estimateChatInputTokens(req)).toBe(3 + (3 + 4) + (3 + 2));
  });

  it('adds a name, images, tool calls, tool definitions and a JSON schema', () => {
    const base = estimateChatInputTokens(chat([text('user', 'hello world')]));
    expect(estimateChatInputTokens(chat([text('user', 'hello world', { name: 'bob' })]))).toBe(
      base + 1 + countTextTokens('bob'),
    );

    const withImage = chat([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'hello world' },
          { type: 'image', url: 'https://example.com/a.png', detail: 'low' },
          { type: 'image', url: 'data:image/png;base64,AAAA' },
        ],
      },
    ]);
    expect(estimateChatInputTokens(withImage)).toBe(base + 85 + 765);

    const call = { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' };
    const withCall = chat([
      text('user', 'hello world'),
      { role: 'assistant', content: [], toolCalls: [call] },
    ]);
    expect(estimateChatInputTokens(withCall)).toBe(
      base + 3 + 3 + countTextTokens('get_weather{"city":"Paris"}'),
    );

    const tool = {
      name: 'get_weather',
      description: 'Weather by city',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
    };
    const withTools = chat([text('user', 'hello world')], { tools: [tool] });
    expect(estimateChatInputTokens(withTools)).toBe(base + countTextTokens(JSON.stringify([tool])));

    const schema = { type: 'object', properties: { answer: { type: 'string' } } };
    const withSchema = chat([text('user', 'hello world')], {
      responseFormat: { type: 'json_schema', name: 's', schema },
    });
    expect(estimateChatInputTokens(withSchema)).toBe(base + countTextTokens(JSON.stringify(schema)));
  });
});

describe('one counter, encoding by model family', () => {
  it('counts OpenAI embedding models in cl100k_base and every other model in o200k_base', () => {
    const models = [
      'text-embedding-3-small',
      'text-embedding-ada-002',
      'gpt-4o-mini',
      'gemini-embedding-001',
    ];
    expect(models.map(encodingFor)).toEqual(['cl100k_base', 'cl100k_base', 'o200k_base', 'o200k_base']);
    // The two encodings split this differently, so the family decides the count.
    const s = 'ünïcödé ðata 12345678';
    expect(countTextTokens(s, 'cl100k_base')).not.toBe(countTextTokens(s, 'o200k_base'));
    expect(estimateEmbeddingInputTokens('text-embedding-3-small', [s, [1, 2, 3]])).toBe(
      countTextTokens(s, 'cl100k_base') + 3,
    );
    expect(estimateEmbeddingInputTokens('gemini-embedding-001', [s])).toBe(countTextTokens(s));
  });
});
