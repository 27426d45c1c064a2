import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../types.js';
import { fromGeminiEmbeddings, fromGeminiResponse, fromGeminiUsage, mapFinishReason } from './response.js';

const ctx = { model: 'gemini-2.5-flash', created: 1_700_000_000 };

describe('fromGeminiResponse', () => {
  it('concatenates text parts, skips thoughts and maps usage with cached and thinking tokens', () => {
    const res = fromGeminiResponse(
      {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [{ text: 'Let me think…', thought: true }, { text: 'Hello, ' }, { text: 'world.' }],
            },
            finishReason: 'STOP',
            index: 0,
          },
        ],
        usageMetadata: {
          promptTokenCount: 1200,
          cachedContentTokenCount: 1024,
          candidatesTokenCount: 5,
          thoughtsTokenCount: 40,
          totalTokenCount: 1245,
        },
        modelVersion: 'gemini-2.5-flash-001',
        responseId: 'resp-1',
      },
      ctx,
    );
    expect(res).toEqual({
      id: 'resp-1',
      model: 'gemini-2.5-flash-001',
      created: 1_700_000_000,
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello, world.' }, finishReason: 'stop' }],
      usage: {
        inputTokens: 1200,
        cachedInputTokens: 1024,
        cacheWriteTokens: 0,
        outputTokens: 45,
        reasoningTokens: 40,
      },
    });
  });

  it('turns function calls into tool calls with ids and JSON arguments, and records signatures', () => {
    const seen: [string, string][] = [];
    const res = fromGeminiResponse(
      {
        candidates: [
          {
            content: {
              parts: [
                { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'U0lH' },
                { functionCall: { name: 'get_time', args: { tz: 'CET' } } },
              ],
            },
            finishReason: 'STOP',
          },
          { content: { parts: [{ text: 'partial' }] }, finishReason: 'MAX_TOKENS', index: 1 },
        ],
      },
      { ...ctx, onSignature: (id, sig) => seen.push([id, sig]) },
    );
    const [a, b] = res.choices;
    expect(a!.finishReason).toBe('tool_calls');
    expect(a!.message.content).toBeNull();
    const calls = a!.message.toolCalls!;
    expect(calls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([
      ['get_weather', { city: 'Paris' }],
      ['get_time', { tz: 'CET' }],
    ]);
    expect(calls[0]!.id).toMatch(/^call_\w+$/);
    expect(calls[0]!.id).not.toBe(calls[1]!.id);
    expect(seen).toEqual([[calls[0]!.id, 'U0lH']]);
    expect(b).toMatchObject({ index: 1, finishReason: 'length', message: { content: 'partial' } });
    expect(res.usage).toBeUndefined();
    expect(res.model).toBe('gemini-2.5-flash');
  });

  it('maps safety-type finish reasons to content_filter', () => {
    for (const r of ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII'])
      expect(mapFinishReason(r, false)).toBe('content_filter');
    expect(mapFinishReason('MAX_TOKENS', true)).toBe('length');
    expect(mapFinishReason('OTHER', false)).toBe('stop');
  });

  it('reports a blocked prompt as a bad request with the reason', () => {
    const err = (() => {
      try {
        fromGeminiResponse(
          { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 9 } },
          ctx,
        );
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ kind: 'bad_request', status: 400 });
    expect((err as UpstreamError).message).toContain('blocked the prompt');
    expect((err as UpstreamError).message).toContain('SAFETY');
    expect((err as UpstreamError).fallbackable).toBe(false);
  });

  it('rejects bodies of the wrong shape as invalid_response', () => {
    for (const body of [null, 'text', [], {}, { candidates: [] }, { candidates: ['x'] }]) {
      expect(() => fromGeminiResponse(body, ctx)).toThrow(UpstreamError);
      try {
        fromGeminiResponse(body, ctx);
      } catch (e) {
        expect((e as UpstreamError).kind).toBe('invalid_response');
      }
    }
  });
});

describe('fromGeminiUsage', () => {
  it('adds tool-use prompt tokens to input and returns undefined when nothing is reported', () => {
    expect(
      fromGeminiUsage({ promptTokenCount: 10, toolUsePromptTokenCount: 5, candidatesTokenCount: 2 }),
    ).toEqual({
      inputTokens: 15,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 2,
      reasoningTokens: 0,
    });
    expect(fromGeminiUsage({ totalTokenCount: 3 })).toBeUndefined();
    expect(fromGeminiUsage(undefined)).toBeUndefined();
  });
});

describe('fromGeminiEmbeddings', () => {
  it('returns vectors in order, normalising shortened ones', () => {
    const json = { embeddings: [{ values: [3, 4] }, { values: [0, 2] }] };
    expect(fromGeminiEmbeddings(json, 2, false)).toEqual([
      [3, 4],
      [0, 2],
    ]);
    const [a, b] = fromGeminiEmbeddings(json, 2, true);
    expect(a![0]).toBeCloseTo(0.6, 12);
    expect(a![1]).toBeCloseTo(0.8, 12);
    expect(b).toEqual([0, 1]);
    expect(() => fromGeminiEmbeddings(json, 3, false)).toThrow(/2 embeddings for 3 inputs/);
    expect(() => fromGeminiEmbeddings({ embeddings: [{ values: ['x'] }] }, 1, false)).toThrow(UpstreamError);
  });
});
