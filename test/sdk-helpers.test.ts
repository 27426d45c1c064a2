import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { FakeUpstream } from './fakes/index.js';
import { arr, obj, standardConfig, WEATHER_TOOL } from './helpers/fixtures.js';
import { setupGateway } from './helpers/gateway.js';
import type { StartedKeel } from './helpers/keel.js';

// The openai SDK's own agent loop (runTools: call, run the tool locally, send the result, repeat) works
// unchanged through Keel, whichever provider family answers.

let oai: FakeUpstream;
let ant: FakeUpstream;
let keel: StartedKeel;
let client: OpenAI;

setupGateway(standardConfig, (g) => ({ oai, ant, keel, openai: client } = g));

function runWeatherLoop(model: string, stream: boolean) {
  const calls: unknown[] = [];
  const tool = {
    type: 'function' as const,
    function: {
      name: WEATHER_TOOL.function.name,
      description: WEATHER_TOOL.function.description,
      parameters: WEATHER_TOOL.function.parameters,
      parse: (s: string) => JSON.parse(s) as { city: string },
      function: (args: { city: string }) => {
        calls.push(args);
        return `19C in ${args.city}`;
      },
    },
  };
  const body = { model, messages: [{ role: 'user' as const, content: 'Weather in Porto?' }], tools: [tool] };
  const runner = stream
    ? client.chat.completions.runTools({ ...body, stream: true })
    : client.chat.completions.runTools(body);
  return { runner, calls };
}

describe.each([
  ['OpenAI upstream', 'gpt-4o'],
  ['Anthropic upstream', 'claude'],
])('runTools via %s', (_label, model) => {
  const upstream = () => (model === 'claude' ? ant : oai);

  it.each([false, true])('runs the tool and finishes with text (stream: %s)', async (stream) => {
    upstream().enqueue({ toolCalls: [{ name: 'get_weather', arguments: '{"city":"Porto"}' }] });
    const { runner, calls } = runWeatherLoop(model, stream);
    const final = await runner.finalContent();
    expect(calls).toEqual([{ city: 'Porto' }]);
    expect(final).toBe('Echo: 19C in Porto');
    expect(upstream().requests).toHaveLength(2);
    // the second upstream call carried the tool result
    const second = JSON.stringify(arr(obj(upstream().requests[1]?.body).messages));
    expect(second).toContain('19C in Porto');
  });
});
