import { describe, expect, it } from 'vitest';
import type { FakeUpstream } from './fakes/index.js';
import { anthropicClient, openaiClient, standardConfig } from './helpers/fixtures.js';
import { setupGateway } from './helpers/gateway.js';
import type { StartedKeel } from './helpers/keel.js';

// Many calls at once, mixed shapes and providers: every one answered correctly, one usage row each.

let oai: FakeUpstream;
let ant: FakeUpstream;
let keel: StartedKeel;

setupGateway(
  (up) => standardConfig(up, { usage: { flush_interval_ms: 20, batch_size: 7 } }),
  (g) => {
    ({ oai, ant, keel } = g);
  },
);

describe('concurrency', () => {
  it('answers 120 mixed concurrent calls and records exactly one row per call', async () => {
    const openai = openaiClient(keel.url);
    const anthropic = anthropicClient(keel.url);
    const calls = Array.from({ length: 120 }, async (_, i) => {
      const said = `msg-${i}`;
      switch (i % 4) {
        case 0: {
          const r = await openai.chat.completions.create({
            model: 'gpt-4o',
            messages: [{ role: 'user', content: said }],
          });
          return { said, got: r.choices[0]?.message.content };
        }
        case 1: {
          const r = await openai.chat.completions.create({
            model: 'claude',
            messages: [{ role: 'user', content: said }],
          });
          return { said, got: r.choices[0]?.message.content };
        }
        case 2: {
          const s = await openai.chat.completions.create({
            model: 'gpt-4o',
            messages: [{ role: 'user', content: said }],
            stream: true,
          });
          let got = '';
          for await (const c of s) got += c.choices[0]?.delta.content ?? '';
          return { said, got };
        }
        default: {
          const m = await anthropic.messages
            .stream({ model: 'claude', max_tokens: 50, messages: [{ role: 'user', content: said }] })
            .finalMessage();
          const block = m.content[0];
          return { said, got: block?.type === 'text' ? block.text : '' };
        }
      }
    });
    const results = await Promise.all(calls);
    for (const r of results) expect(r.got).toBe(`Echo: ${r.said}`);
    expect(oai.requests.length + ant.requests.length).toBe(120);

    const rows = await keel.usage();
    expect(rows).toHaveLength(120);
    expect(new Set(rows.map((r) => r.requestId)).size).toBe(120);
    expect(rows.every((r) => r.status === 200 && r.inputTokens > 0 && r.outputTokens > 0)).toBe(true);
  });
});
