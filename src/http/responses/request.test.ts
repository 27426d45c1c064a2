import { describe, expect, it } from 'vitest';
import { KeelError } from '../../errors.js';
import { resolveConversation, toChatRequest } from './conversation.js';
import { parseResponsesBody } from './request.js';

async function chatOf(body: Record<string, unknown>) {
  const parsed = parseResponsesBody({ model: 'm', ...body });
  return toChatRequest(parsed, await resolveConversation(parsed, null, null, 'k'));
}

function refusal(fn: () => unknown): KeelError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KeelError);
    return e as KeelError;
  }
  throw new Error('expected a refusal');
}

describe('Responses request → canonical chat request', () => {
  it('an assistant message followed by function calls is one assistant turn with tool calls', async () => {
    const req = await chatOf({
      input: [
        { role: 'user', content: 'Weather in Paris and Oslo?' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
        { type: 'function_call', call_id: 'a', name: 'w', arguments: '{"c":"Paris"}' },
        { type: 'function_call', call_id: 'b', name: 'w', arguments: '{"c":"Oslo"}' },
        { type: 'function_call_output', call_id: 'a', output: [{ type: 'input_text', text: '21' }] },
        { type: 'function_call_output', call_id: 'b', output: '-3' },
      ],
    });
    const paris = { id: 'a', name: 'w', arguments: '{"c":"Paris"}' };
    const oslo = { id: 'b', name: 'w', arguments: '{"c":"Oslo"}' };
    expect(req.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool']);
    expect(req.messages[1]?.toolCalls).toEqual([paris, oslo]);
    expect(req.messages[1]?.content).toEqual([{ type: 'text', text: 'Checking.' }]);
    expect(req.messages.slice(2).map((m) => [m.toolCallId, m.content])).toEqual([
      ['a', [{ type: 'text', text: '21' }]],
      ['b', [{ type: 'text', text: '-3' }]],
    ]);
  });

  it('maps sampling, limits, tools, format and OpenAI-only options', async () => {
    const req = await chatOf({
      input: 'hi',
      instructions: 'Be terse.',
      max_output_tokens: 10,
      temperature: 0,
      top_p: 0.5,
      user: 'u1',
      tools: [{ type: 'function', name: 'f', parameters: null, strict: null }],
      tool_choice: { type: 'function', name: 'f' },
      parallel_tool_calls: true,
      text: { format: { type: 'json_object' }, verbosity: 'low' },
      reasoning: { effort: 'high' },
      prompt_cache_key: 'pk',
      include: ['reasoning.encrypted_content'],
      truncation: 'disabled',
      background: false,
    });
    expect(req).toMatchObject({
      maxTokens: 10,
      temperature: 0,
      topP: 0.5,
      user: 'u1',
      tools: [{ name: 'f', parameters: { type: 'object', properties: {} } }],
      toolChoice: { name: 'f' },
      parallelToolCalls: true,
      responseFormat: { type: 'json_object' },
      passthrough: { reasoning_effort: 'high', verbosity: 'low', prompt_cache_key: 'pk' },
    });
    expect(req.messages[0]).toEqual({ role: 'system', content: [{ type: 'text', text: 'Be terse.' }] });
  });

  it.each([
    [{ input: 'x', reasoning: { summary: 'auto' } }, 'reasoning.summary'],
    [{ input: 'x', include: ['message.output_text.logprobs'] }, 'include[0]'],
    [{ input: 'x', tool_choice: { type: 'web_search_preview' } }, 'tool_choice.type'],
    [{ input: 'x', conversation: 'conv_1' }, 'conversation'],
    [
      {
        input: [
          { role: 'user', content: [{ type: 'input_file', file_data: 'data:application/pdf;base64,JVBER' }] },
        ],
      },
      'input[0].content[0].file_data',
    ],
    [
      { input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'file-1' }] }] },
      'input[0].content[0].file_id',
    ],
    [
      { input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] },
      'input[0].content[0].file_id',
    ],
  ])('refuses %j as unsupported, naming %s', async (body, param) => {
    const e = await chatOf(body).then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toMatchObject({ code: 'unsupported_feature', param });
  });

  it('names unknown and invalid fields inside items', () => {
    expect(
      refusal(() =>
        parseResponsesBody({ model: 'm', input: [{ type: 'function_call', call_id: 'a', name: 'f' }] }),
      ),
    ).toMatchObject({ code: 'invalid_request', param: 'input[0].arguments' });
    expect(
      refusal(() =>
        parseResponsesBody({
          model: 'm',
          input: [{ type: 'message', role: 'user', content: 'x', extra: 1 }],
        }),
      ),
    ).toMatchObject({ message: "Unknown parameter: 'input[0].extra'.", param: 'input[0].extra' });
    expect(refusal(() => parseResponsesBody({ model: 'm', input: [{ type: 'bogus' }] }))).toMatchObject({
      code: 'invalid_request',
      param: 'input[0].type',
    });
    expect(refusal(() => parseResponsesBody({ model: 'm' }))).toMatchObject({ param: 'input' });
    const metadata = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    expect(refusal(() => parseResponsesBody({ model: 'm', input: 'x', metadata }))).toMatchObject({
      param: 'metadata',
    });
  });

  it('refuses previous_response_id and item_reference when responses are not kept', async () => {
    const parsed = parseResponsesBody({ model: 'm', previous_response_id: 'resp_1' });
    await expect(resolveConversation(parsed, null, null, 'k')).rejects.toMatchObject({
      code: 'unsupported_feature',
      param: 'previous_response_id',
    });
  });
});
