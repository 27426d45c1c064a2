import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/load.js';
import { type FakeUpstream, startFakeOpenAI } from './fakes/index.js';
import { obj, openaiClient } from './helpers/fixtures.js';
import { type StartedKeel, startKeel } from './helpers/keel.js';

// The OpenAI-family provider kinds other than `openai`, against the same fake, plus start-up config errors.

const AZURE_KEY = 'azure-key-SECRET-1234abcd';
const LOCAL_KEY = 'local-key-SECRET-5678efgh';

let azureFake: FakeUpstream;
let localFake: FakeUpstream;
let keel: StartedKeel;

beforeAll(async () => {
  azureFake = await startFakeOpenAI({ apiKey: AZURE_KEY });
  localFake = await startFakeOpenAI({ apiKey: LOCAL_KEY });
  keel = await startKeel(
    {
      providers: [
        {
          id: 'az',
          kind: 'azure-openai',
          base_url: azureFake.url,
          // biome-ignore lint/suspicious/noTemplateCurlyInString: keel.yaml ${VAR} interpolation
          api_key: '${AZ_KEY}',
          api_version: '2024-10-21',
        },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: keel.yaml ${VAR} interpolation
        { id: 'local', kind: 'openai-compatible', base_url: `${localFake.url}/v1`, api_key: '${LOCAL_KEY}' },
        { id: 'sim', kind: 'simulator' },
      ],
      models: [
        { name: 'az-chat', targets: [{ provider: 'az', model: 'my-gpt4o-deployment' }] },
        { name: 'az-embed', type: 'embedding', targets: [{ provider: 'az', model: 'my-embed-deployment' }] },
        { name: 'llama', targets: [{ provider: 'local', model: 'llama3.1:8b' }] },
        { name: 'sim-chat', targets: [{ provider: 'sim', model: 'sim-small' }] },
      ],
    },
    { AZ_KEY: AZURE_KEY, LOCAL_KEY },
  );
});
afterAll(async () => {
  await keel?.close();
  await azureFake?.close();
  await localFake?.close();
});
beforeEach(() => {
  azureFake.reset();
  localFake.reset();
});

describe('azure-openai', () => {
  it('calls the deployment URL with api-version and api-key', async () => {
    const client = openaiClient(keel.url);
    const r = await client.chat.completions.create({
      model: 'az-chat',
      messages: [{ role: 'user', content: 'az' }],
    });
    expect(r.choices[0]?.message.content).toBe('Echo: az');
    const req = azureFake.last();
    expect(req.path).toContain('/openai/deployments/my-gpt4o-deployment/chat/completions');
    expect(req.query.get('api-version')).toBe('2024-10-21');
    expect(req.headers['api-key']).toBe(AZURE_KEY);
  });

  it('streams and embeds through deployments', async () => {
    const client = openaiClient(keel.url);
    const stream = await client.chat.completions.create({
      model: 'az-chat',
      messages: [{ role: 'user', content: 'stream az' }],
      stream: true,
    });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('Echo: stream az');
    const e = await client.embeddings.create({ model: 'az-embed', input: 'vec' });
    expect(e.data[0]?.embedding).toHaveLength(8);
    expect(azureFake.last().path).toContain('/openai/deployments/my-embed-deployment/embeddings');
  });
});

describe('openai-compatible', () => {
  it('calls base_url + /chat/completions with the configured key', async () => {
    const r = await openaiClient(keel.url).chat.completions.create({
      model: 'llama',
      messages: [{ role: 'user', content: 'local' }],
    });
    expect(r.choices[0]?.message.content).toBe('Echo: local');
    expect(localFake.last().path).toBe('/v1/chat/completions');
    expect(obj(localFake.last().body).model).toBe('llama3.1:8b');
    expect(localFake.last().headers.authorization).toBe(`Bearer ${LOCAL_KEY}`);
  });
});

describe('simulator', () => {
  it('answers deterministically with usage, streaming included', async () => {
    const client = openaiClient(keel.url);
    const body = { model: 'sim-chat', messages: [{ role: 'user' as const, content: 'Tell me about Keel' }] };
    const a = await client.chat.completions.create(body);
    const b = await client.chat.completions.create(body);
    expect(a.choices[0]?.message.content).toBeTruthy();
    expect(b.choices[0]?.message.content).toBe(a.choices[0]?.message.content);
    expect(a.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(a.usage?.completion_tokens).toBeGreaterThan(0);
    const stream = await client.chat.completions.create({
      ...body,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let sawUsage = false;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      if (c.usage) sawUsage = true;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(sawUsage).toBe(true);
  });
});

describe('configuration errors', () => {
  it('names the bad key', async () => {
    const bad = {
      providers: [{ id: 'p', kind: 'simulator' }],
      models: [{ name: 'm', targets: [{ provider: 'missing', model: 'x' }] }],
    };
    const err = await startKeel(bad, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toMatch(
      /models\[0\]\.targets\[0\]\.provider|models\.0\.targets\.0\.provider/,
    );
  });

  it('names an unset environment variable', async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: keel.yaml ${VAR} interpolation
    const bad = { providers: [{ id: 'p', kind: 'openai', api_key: '${NOT_SET_ANYWHERE}' }] };
    const err = await startKeel(bad, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toContain('NOT_SET_ANYWHERE');
  });
});
