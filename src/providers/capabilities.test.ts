import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../canonical/types.js';
import { droppedFields, refuseUnsupported, unsupportedField } from './capabilities.js';
import { UpstreamError } from './types.js';

const base = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'm',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  stream: false,
  ...extra,
});

describe('which target honours which field', () => {
  it('Anthropic targets take every Anthropic field and refuse only logprobs', () => {
    const req = base({
      thinking: { type: 'enabled', budget_tokens: 2000 },
      topK: 5,
      betas: ['x'],
      metadata: { user_id: 'u', other: 'v' },
      tools: [{ name: 't', parameters: {}, cacheControl: { type: 'ephemeral' } }],
    });
    expect(unsupportedField(req, 'anthropic')).toBeNull();
    expect(droppedFields(req, 'anthropic')).toEqual([]);
    expect(unsupportedField(base({ logprobs: true }), 'anthropic')).toBe('logprobs');
  });

  it('OpenAI-family targets refuse thinking, top_k (but openai-compatible) and document URLs', () => {
    expect(unsupportedField(base({ thinking: { type: 'enabled' } }), 'openai')).toBe('thinking');
    expect(unsupportedField(base({ topK: 3 }), 'azure-openai')).toBe('top_k');
    expect(unsupportedField(base({ topK: 3 }), 'openai-compatible')).toBeNull();
    const url = base({
      messages: [
        { role: 'user', content: [{ type: 'file', mediaType: 'application/pdf', url: 'https://x/a.pdf' }] },
      ],
    });
    expect(unsupportedField(url, 'openai')).toBe('document.source.url');
    expect(unsupportedField(url, 'gemini')).toBeNull();
  });

  it('lists what a non-Anthropic target drops: cache_control, earlier thinking, betas, metadata', () => {
    const req = base({
      betas: ['prompt-caching-2024-07-31'],
      metadata: { user_id: 'u', tier: 'gold' },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi', cacheControl: { type: 'ephemeral' } }] },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'x', signature: 's' }] },
      ],
    });
    expect(droppedFields(req, 'openai')).toEqual([
      'cache_control',
      'thinking_blocks',
      'anthropic-beta',
      'metadata',
    ]);
    expect(droppedFields(base({ metadata: { user_id: 'u' } }), 'gemini')).toEqual([]);
  });

  it('refuses with an unsupported UpstreamError naming the field', () => {
    const e = (() => {
      try {
        refuseUnsupported(base({ logprobs: true }), 'gemini', 'Gemini');
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(UpstreamError);
    expect(e).toMatchObject({ kind: 'unsupported' });
    expect(String((e as UpstreamError).upstreamMessage)).toContain('`logprobs`');
  });
});
