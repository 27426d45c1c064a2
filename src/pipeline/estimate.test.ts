import { describe, expect, it } from 'vitest';
import type { ChatMessage, ChatRequest } from '../canonical/types.js';
import { KeelError } from '../errors.js';
import { createPriceBook } from '../value/pricing/price-book.js';
import {
  countTextTokens,
  estimateChatInputTokens,
  IMAGE_TOKENS_MAX,
  TOOL_PROMPT_TOKENS_MAX,
} from '../value/tokens.js';
import { choicesOf, estimateChatCall, estimateEmbeddingsCall } from './estimate.js';

const user = (t: string): ChatMessage => ({ role: 'user', content: [{ type: 'text', text: t }] });
const chat = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'm',
  messages: [user('hello world')],
  stream: false,
  ...extra,
});
const DEFAULT_MAX = 4096;

describe('estimateChatCall', () => {
  it('counts the output of every choice', () => {
    expect(estimateChatCall(chat({ maxTokens: 100 }), DEFAULT_MAX).maxOutputTokens).toBe(100);
    expect(estimateChatCall(chat({ maxTokens: 100, n: 128 }), DEFAULT_MAX).maxOutputTokens).toBe(12_800);
    // No max_tokens: the default Keel then sends upstream, once per choice.
    expect(estimateChatCall(chat({ n: 3 }), DEFAULT_MAX).maxOutputTokens).toBe(3 * DEFAULT_MAX);
  });

  it('adds a reasoning budget passed through to an OpenAI-compatible upstream', () => {
    const thinking = { thinking: { type: 'enabled', budget_tokens: 1500 } };
    expect(
      estimateChatCall(chat({ maxTokens: 100, passthrough: thinking }), DEFAULT_MAX).maxOutputTokens,
    ).toBe(1600);
    const reasoning = { reasoning: { max_tokens: 300 } };
    expect(
      estimateChatCall(chat({ maxTokens: 100, n: 2, passthrough: reasoning }), DEFAULT_MAX).maxOutputTokens,
    ).toBe(800);
    const junk = { reasoning: { max_tokens: 'lots' }, thinking: [1] };
    expect(estimateChatCall(chat({ maxTokens: 100, passthrough: junk }), DEFAULT_MAX).maxOutputTokens).toBe(
      100,
    );
  });

  it('counts tool definitions, the tool-use prompt and tool results in the input', () => {
    const plain = estimateChatCall(chat(), DEFAULT_MAX);
    const tool = {
      name: 'lookup',
      description: 'Look a record up',
      parameters: { type: 'object', properties: { id: { type: 'string', description: 'x'.repeat(400) } } },
    };
    const withTool = estimateChatCall(chat({ tools: [tool] }), DEFAULT_MAX);
    const defs = countTextTokens(JSON.stringify([tool]));
    expect(withTool.inputTokens).toBe(plain.inputTokens + defs);
    expect(withTool.maxInputTokens).toBe(plain.maxInputTokens + defs + TOOL_PROMPT_TOKENS_MAX);

    const result = 'row '.repeat(500);
    const withResult = estimateChatCall(
      chat({
        messages: [
          user('hello world'),
          { role: 'assistant', content: [], toolCalls: [{ id: 'c1', name: 'lookup', arguments: '{}' }] },
          { role: 'tool', content: [{ type: 'text', text: result }], toolCallId: 'c1' },
        ],
      }),
      DEFAULT_MAX,
    );
    expect(withResult.maxInputTokens - plain.maxInputTokens).toBeGreaterThan(countTextTokens(result));
  });

  it('reserves every image at its largest, whatever its detail', () => {
    const plain = estimateChatCall(chat(), DEFAULT_MAX);
    const req = chat({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hello world' },
            { type: 'image', url: 'https://example.com/a.png', detail: 'low' },
            { type: 'image', url: 'data:image/png;base64,AAAA' },
          ],
        },
      ],
    });
    const e = estimateChatCall(req, DEFAULT_MAX);
    expect(e.maxInputTokens).toBe(plain.maxInputTokens + 2 * IMAGE_TOKENS_MAX);
    // TPM and usage estimates keep the typical size.
    expect(e.inputTokens).toBe(estimateChatInputTokens(req));
    expect(e.inputTokens).toBe(plain.inputTokens + 85 + 765);
  });
});

describe('choicesOf', () => {
  it('bounds n with a 400 naming the parameter', () => {
    expect(choicesOf(chat())).toBe(1);
    expect(choicesOf(chat({ n: 128 }))).toBe(128);
    for (const n of [0, 129, 1.5, -1]) {
      const err = (() => {
        try {
          choicesOf(chat({ n }));
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(KeelError);
      expect(err).toMatchObject({ code: 'invalid_request', status: 400, param: 'n' });
    }
  });
});

describe('estimateEmbeddingsCall', () => {
  it('counts every item of an array input and no output', () => {
    const one = estimateEmbeddingsCall({ model: 'e', input: ['hello world'] });
    expect(one).toEqual({ inputTokens: 2, maxInputTokens: 2, maxOutputTokens: 0 });
    const many = estimateEmbeddingsCall({ model: 'e', input: Array(500).fill('hello world') });
    expect(many.maxInputTokens).toBe(1000);
    const ids = estimateEmbeddingsCall({ model: 'e', input: [Array(300).fill(1), Array(200).fill(2)] });
    expect(ids.maxInputTokens).toBe(500);
  });
});

describe('reservation arithmetic (estimate × price book)', () => {
  const book = createPriceBook({
    overrides: [{ model: 'r1', input: 1, output: 10, reasoning: 40, cache_write: 2 }],
  });

  it('prices output at the reasoning rate and input at the cache-write rate when dearer', () => {
    const e = estimateChatCall(chat({ maxTokens: 1000, n: 2 }), DEFAULT_MAX);
    const q = book.quoteMax('p', 'r1', e.maxInputTokens, e.maxOutputTokens);
    expect(q.costUsd).toBeCloseTo(e.maxInputTokens * 2e-6 + 2000 * 40e-6, 12);
  });
});
