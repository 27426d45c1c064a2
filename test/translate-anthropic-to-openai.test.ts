import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { textOf } from './fakes/common.js';
import type { FakeUpstream } from './fakes/index.js';
import { ANTHROPIC_WEATHER_TOOL, anthropicClient, arr, obj, standardConfig } from './helpers/fixtures.js';
import { setupGateway } from './helpers/gateway.js';
import { type StartedKeel, TEST_ENV } from './helpers/keel.js';

// anthropic SDK → Keel → fake OpenAI: the upstream must see a valid Chat Completions request, the client an
// Anthropic message.

let oai: FakeUpstream;
let keel: StartedKeel;
let client: Anthropic;

setupGateway(
  (up) => standardConfig(up),
  (g) => {
    ({ oai, keel } = g);
    client = anthropicClient(keel.url, 'client-side-key-not-for-upstream');
  },
);

describe('non-streaming', () => {
  it('turns the system prompt into a system message and maps usage to Anthropic terms', async () => {
    oai.enqueue({ text: 'Brief.', usage: { input: 800, cached: 300, output: 100 } });
    const m = await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Describe Lisbon' }],
    });
    expect(m.type).toBe('message');
    expect(m.role).toBe('assistant');
    expect(m.content).toMatchObject([{ type: 'text', text: 'Brief.' }]);
    expect(m.stop_reason).toBe('end_turn');
    // Anthropic semantics: input_tokens exclude cache reads.
    expect(m.usage).toMatchObject({ input_tokens: 500, cache_read_input_tokens: 300, output_tokens: 100 });

    const req = oai.last();
    const sent = obj(req.body);
    expect(sent.model).toBe('gpt-4o');
    const msgs = arr(sent.messages).map(obj);
    expect(msgs.map((x) => x.role)).toEqual(['system', 'user']);
    // The default guard policy's canary rides on a line of its own after the prompt.
    expect(textOf(msgs[0]?.content)).toMatch(/^Be brief\.\n\n\[keel-canary:[0-9a-f]{24}\]$/);
    expect(textOf(msgs[1]?.content)).toBe('Describe Lisbon');
    expect(sent.max_tokens ?? sent.max_completion_tokens).toBe(100);
    expect(req.headers.authorization).toBe(`Bearer ${TEST_ENV.OAI_KEY}`);
    expect(JSON.stringify(req.headers)).not.toContain('client-side-key-not-for-upstream');
  });

  it('accepts a system prompt given as text blocks', async () => {
    await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 20,
      system: [
        { type: 'text', text: 'First rule. ', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Second rule.' },
      ],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    });
    const msgs = arr(obj(oai.last().body).messages).map(obj);
    expect(msgs[0]?.role).toBe('system');
    expect(textOf(msgs[0]?.content)).toContain('First rule.');
    expect(textOf(msgs[0]?.content)).toContain('Second rule.');
    expect(textOf(msgs.at(-1)?.content)).toBe('hi');
  });

  it('maps stop_sequences and stop reasons', async () => {
    oai.enqueue({ text: 'trunc', finishReason: 'length' });
    const m = await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 5,
      stop_sequences: ['###'],
      messages: [{ role: 'user', content: 'go on' }],
    });
    expect(obj(oai.last().body).stop).toEqual(['###']);
    expect(m.stop_reason).toBe('max_tokens');
  });

  it('translates tools, returns tool_use blocks, and sends tool results back as tool messages', async () => {
    oai.enqueue({ toolCalls: [{ id: 'call_l', name: 'get_weather', arguments: '{"city":"Lima"}' }] });
    const first = await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 200,
      tools: [ANTHROPIC_WEATHER_TOOL],
      tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'Weather in Lima?' }],
    });
    const sent = obj(oai.last().body);
    expect(sent.tools).toMatchObject([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather for a city',
          parameters: ANTHROPIC_WEATHER_TOOL.input_schema,
        },
      },
    ]);
    expect(sent.tool_choice).toBe('required');
    expect(first.stop_reason).toBe('tool_use');
    const toolUse = first.content.find((b) => b.type === 'tool_use');
    expect(toolUse).toMatchObject({
      type: 'tool_use',
      id: 'call_l',
      name: 'get_weather',
      input: { city: 'Lima' },
    });

    await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 200,
      tools: [ANTHROPIC_WEATHER_TOOL],
      tool_choice: { type: 'tool', name: 'get_weather' },
      messages: [
        { role: 'user', content: 'Weather in Lima?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_l', content: '22C' }] },
      ],
    });
    const again = obj(oai.last().body);
    expect(again.tool_choice).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
    const msgs = arr(again.messages).map(obj);
    const assistant = msgs.find((x) => x.role === 'assistant');
    const call = obj(arr(assistant?.tool_calls)[0]);
    expect(call).toMatchObject({ id: 'call_l', type: 'function', function: { name: 'get_weather' } });
    expect(JSON.parse(String(obj(call.function).arguments))).toEqual({ city: 'Lima' });
    const tool = msgs.find((x) => x.role === 'tool');
    expect(tool).toMatchObject({ role: 'tool', tool_call_id: 'call_l' });
    expect(textOf(tool?.content)).toBe('22C');
  });
});

describe('streaming', () => {
  it('streams Anthropic events from an OpenAI upstream', async () => {
    oai.enqueue({ text: 'Lisbon is sunny today', usage: { input: 60, cached: 20, output: 4 } });
    const stream = client.messages.stream({
      model: 'gpt-4o',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Lisbon?' }],
    });
    const types: string[] = [];
    stream.on('streamEvent', (ev) => types.push(ev.type));
    let text = '';
    stream.on('text', (t) => {
      text += t;
    });
    const final = await stream.finalMessage();
    expect(text).toBe('Lisbon is sunny today');
    expect(final.content).toMatchObject([{ type: 'text', text: 'Lisbon is sunny today' }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject({ input_tokens: 40, cache_read_input_tokens: 20, output_tokens: 4 });
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    expect(types).toContain('message_delta');
    // Keel asks the OpenAI upstream for usage so it can be reported and priced.
    expect(obj(oai.last().body)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('streams tool use as input_json_delta', async () => {
    oai.enqueue({ toolCalls: [{ id: 'call_k', name: 'get_weather', arguments: '{"city":"Kyiv"}' }] });
    const stream = client.messages.stream({
      model: 'gpt-4o',
      max_tokens: 100,
      tools: [ANTHROPIC_WEATHER_TOOL],
      messages: [{ role: 'user', content: 'Kyiv?' }],
    });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.find((b) => b.type === 'tool_use')).toMatchObject({
      type: 'tool_use',
      id: 'call_k',
      name: 'get_weather',
      input: { city: 'Kyiv' },
    });
  });
});
