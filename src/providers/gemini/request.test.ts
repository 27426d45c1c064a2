import { describe, expect, it } from 'vitest';
import type { ChatRequest, JsonObject } from '../../canonical/types.js';
import { SKIP_SIGNATURE, toGeminiEmbedRequest, toGeminiRequest } from './request.js';
import { toGeminiSchema } from './schema.js';

const base = (over: Partial<ChatRequest>): ChatRequest => ({
  model: 'alias',
  stream: false,
  messages: [],
  ...over,
});

describe('toGeminiRequest', () => {
  it('maps system prompts, roles, parameters and JSON mode', () => {
    const body = toGeminiRequest(
      base({
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
          { role: 'system', content: [{ type: 'text', text: 'Answer in English.' }] },
          { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'Hello!' }] },
          { role: 'user', content: [{ type: 'text', text: 'Give me JSON' }] },
        ],
        maxTokens: 100,
        temperature: 0.2,
        topP: 0.9,
        stop: ['END'],
        n: 2,
        seed: 7,
        responseFormat: { type: 'json_object' },
      }),
      { model: 'gemini-2.5-flash' },
    );
    expect(body.systemInstruction).toEqual({
      parts: [{ text: 'Be brief.' }, { text: 'Answer in English.' }],
    });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Hi' }] },
      { role: 'model', parts: [{ text: 'Hello!' }] },
      { role: 'user', parts: [{ text: 'Give me JSON' }] },
    ]);
    expect(body.generationConfig).toEqual({
      maxOutputTokens: 100,
      temperature: 0.2,
      topP: 0.9,
      stopSequences: ['END'],
      candidateCount: 2,
      seed: 7,
      responseMimeType: 'application/json',
    });
    expect(body.tools).toBeUndefined();
  });

  it('maps images: data URLs to inlineData, http URLs to fileData', () => {
    const body = toGeminiRequest(
      base({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare' },
              { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=' },
              { type: 'image', url: 'https://example.com/cat.webp?size=2' },
            ],
          },
        ],
      }),
      { model: 'gemini-2.5-flash' },
    );
    expect(body.contents[0]!.parts).toEqual([
      { text: 'Compare' },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
      { fileData: { mimeType: 'image/webp', fileUri: 'https://example.com/cat.webp?size=2' } },
    ]);
  });

  it('maps tool calls and results, naming results from the matching call and wrapping non-objects', () => {
    const body = toGeminiRequest(
      base({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
          {
            role: 'assistant',
            content: [{ type: 'text', text: 'Checking.' }],
            toolCalls: [
              { id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
              { id: 'call_b', name: 'get_time', arguments: '' },
            ],
          },
          { role: 'tool', toolCallId: 'call_a', content: [{ type: 'text', text: '{"temp":21}' }] },
          { role: 'tool', toolCallId: 'call_b', content: [{ type: 'text', text: 'noon' }] },
          { role: 'tool', toolCallId: 'call_a', isError: true, content: [{ type: 'text', text: 'boom' }] },
          { role: 'user', content: [{ type: 'text', text: 'Thanks' }] },
        ],
      }),
      { model: 'gemini-2.5-flash', signatureFor: (id) => (id === 'call_a' ? 'c2lnLWE=' : undefined) },
    );
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] },
      {
        role: 'model',
        parts: [
          { text: 'Checking.' },
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2lnLWE=' },
          { functionCall: { name: 'get_time', args: {} } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
          { functionResponse: { name: 'get_time', response: { result: 'noon' } } },
          { functionResponse: { name: 'get_weather', response: { error: 'boom' } } },
          { text: 'Thanks' },
        ],
      },
    ]);
  });

  it('adds the documented skip signature for Gemini 3 when none was recorded', () => {
    const messages: ChatRequest['messages'] = [
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      {
        role: 'assistant',
        content: [],
        toolCalls: [
          { id: 'x1', name: 'f', arguments: '{}' },
          { id: 'x2', name: 'f', arguments: '{}' },
        ],
      },
    ];
    const g3 = toGeminiRequest(base({ messages }), { model: 'gemini-3-pro-preview' });
    expect(g3.contents[1]!.parts.map((p) => p.thoughtSignature)).toEqual([SKIP_SIGNATURE, undefined]);
    const g25 = toGeminiRequest(base({ messages }), { model: 'gemini-2.5-pro' });
    expect(g25.contents[1]!.parts.every((p) => p.thoughtSignature === undefined)).toBe(true);
  });

  it('maps tools, strips JSON-schema keys Gemini rejects, and maps tool choice', () => {
    const tools: ChatRequest['tools'] = [
      {
        name: 'get_weather',
        description: 'Weather for a city',
        strict: true,
        parameters: {
          $schema: 'http://json-schema.org/draft-07/schema#',
          type: 'object',
          additionalProperties: false,
          properties: {
            city: { type: 'string', description: 'City name' },
            unit: { type: ['string', 'null'], enum: ['c', 'f', null] },
            when: { type: 'string', format: 'date' },
          },
          required: ['city', 'ghost'],
        },
      },
      { name: 'ping', parameters: { type: 'object', properties: {} } },
    ];
    const choices: [ChatRequest['toolChoice'], unknown][] = [
      ['auto', { mode: 'AUTO' }],
      ['none', { mode: 'NONE' }],
      ['required', { mode: 'ANY' }],
      [{ name: 'ping' }, { mode: 'ANY', allowedFunctionNames: ['ping'] }],
    ];
    for (const [toolChoice, expected] of choices) {
      const body = toGeminiRequest(base({ messages: [], tools, toolChoice }), { model: 'gemini-2.5-flash' });
      expect(body.toolConfig).toEqual({ functionCallingConfig: expected });
      expect(body.tools).toEqual([
        {
          functionDeclarations: [
            {
              name: 'get_weather',
              description: 'Weather for a city',
              parameters: {
                type: 'object',
                properties: {
                  city: { type: 'string', description: 'City name' },
                  unit: { type: 'string', nullable: true, enum: ['c', 'f'] },
                  when: { type: 'string' },
                },
                required: ['city'],
              },
            },
            { name: 'ping' },
          ],
        },
      ]);
    }
  });

  it('sends a JSON schema as responseSchema, resolving $refs', () => {
    const schema: JsonObject = {
      type: 'object',
      properties: { items: { type: 'array', items: { $ref: '#/$defs/item' } }, total: { type: 'number' } },
      required: ['items', 'total'],
      additionalProperties: false,
      $defs: { item: { type: 'object', properties: { sku: { const: 'A1' } }, required: ['sku'] } },
    };
    const body = toGeminiRequest(base({ responseFormat: { type: 'json_schema', name: 'order', schema } }), {
      model: 'gemini-2.5-flash',
    });
    expect(body.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseSchema: {
        type: 'object',
        properties: {
          items: {
            type: 'array',
            items: {
              type: 'object',
              properties: { sku: { type: 'string', enum: ['A1'] } },
              required: ['sku'],
            },
          },
          total: { type: 'number' },
        },
        required: ['items', 'total'],
      },
    });
  });
});

describe('toGeminiSchema', () => {
  it('turns anyOf-with-null into nullable and cuts recursive refs', () => {
    const schema: JsonObject = {
      type: 'object',
      properties: {
        note: { anyOf: [{ type: 'string' }, { type: 'null' }], description: 'optional note' },
        either: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
        tree: { $ref: '#/$defs/node' },
      },
      $defs: { node: { type: 'object', properties: { child: { $ref: '#/$defs/node' } } } },
    };
    const out = toGeminiSchema(schema);
    expect(out.properties).toMatchObject({
      note: { type: 'string', nullable: true, description: 'optional note' },
      either: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
      tree: { type: 'object', properties: { child: { type: 'object' } } },
    });
    expect(JSON.stringify(out)).not.toMatch(/\$ref|\$defs|oneOf/);
  });
});

describe('toGeminiEmbedRequest', () => {
  it('builds batch requests with the model path and output dimensionality', () => {
    expect(
      toGeminiEmbedRequest({ model: 'e', input: ['a', 'b'], dimensions: 256 }, 'gemini-embedding-001', [
        'a',
        'b',
      ]),
    ).toEqual({
      requests: [
        {
          model: 'models/gemini-embedding-001',
          content: { parts: [{ text: 'a' }] },
          outputDimensionality: 256,
        },
        {
          model: 'models/gemini-embedding-001',
          content: { parts: [{ text: 'b' }] },
          outputDimensionality: 256,
        },
      ],
    });
  });
});
