import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { KeyInput } from '../src/access/store.js';
import type { FakeUpstream } from './fakes/index.js';
import { openaiClient, standardConfig } from './helpers/fixtures.js';
import { setupGateway } from './helpers/gateway.js';
import type { StartedKeel } from './helpers/keel.js';

// /v1/responses under virtual keys: the same scopes and budgets as /v1/chat/completions, and each
// key sees only the responses it made.

let oai: FakeUpstream;
let keel: StartedKeel;

setupGateway(standardConfig, (g) => ({ oai, keel } = g));

async function clientFor(input: Partial<KeyInput>): Promise<{ client: OpenAI; keyId: string }> {
  const { key, secret } = await keel.app.services.keys.create({ name: 'test', ...input }, 'test');
  return { client: openaiClient(keel.url, secret), keyId: key.id };
}

async function refusal(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const e = await p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OpenAI.APIError);
  return e as InstanceType<typeof OpenAI.APIError>;
}

describe('/v1/responses under virtual keys', () => {
  it('is governed by the chat endpoint scope', async () => {
    const chatOnly = await clientFor({ models: ['*'], endpoints: ['chat'] });
    expect((await chatOnly.client.responses.create({ model: 'gpt-4o', input: 'hi' })).status).toBe(
      'completed',
    );
    const embeddingsOnly = await clientFor({ models: ['*'], endpoints: ['embeddings'] });
    const e = await refusal(embeddingsOnly.client.responses.create({ model: 'gpt-4o', input: 'hi' }));
    expect(e.status).toBe(403);
    expect(e.message).toContain('scope: endpoints');
    await refusal(embeddingsOnly.client.responses.retrieve('resp_0'));
  });

  it('refuses a model or a tool outside the key before any upstream call', async () => {
    const { client } = await clientFor({ models: ['claude'], tools: [] });
    const model = await refusal(client.responses.create({ model: 'gpt-4o', input: 'hi' }));
    expect(model).toMatchObject({ status: 403, code: 'permission_denied', param: 'model' });
    const tools = await refusal(
      client.responses.create({
        model: 'claude',
        input: 'hi',
        tools: [{ type: 'function', name: 'rm_rf', parameters: { type: 'object' }, strict: false }],
      }),
    );
    expect(tools.message).toContain('scope: tools');
    expect(oai.requests).toHaveLength(0);
  });

  it('refuses a call over the key budget in the OpenAI error shape', async () => {
    const { client } = await clientFor({ models: ['*'], budgetUsd: 0.000001, budgetPeriod: 'day' });
    const e = await refusal(
      client.responses.create({ model: 'gpt-4o', input: 'hi', max_output_tokens: 1000 }),
    );
    // The status is the budget policy's (see docs/api.md); the code and the shape are OpenAI's.
    expect(e.code).toBe('budget_exceeded');
    expect(e.error).toMatchObject({ code: 'budget_exceeded', param: null });
    expect(oai.requests).toHaveLength(0);
  });

  it("keeps each key's responses to that key", async () => {
    const a = await clientFor({ models: ['*'] });
    const b = await clientFor({ models: ['*'] });
    const mine = await a.client.responses.create({ model: 'gpt-4o', input: 'secret plans' });
    expect((await a.client.responses.retrieve(mine.id)).id).toBe(mine.id);
    expect((await refusal(b.client.responses.retrieve(mine.id))).status).toBe(404);
    expect((await refusal(b.client.responses.inputItems.list(mine.id))).status).toBe(404);
    const follow = await refusal(
      b.client.responses.create({ model: 'gpt-4o', previous_response_id: mine.id, input: 'and?' }),
    );
    expect(follow).toMatchObject({ status: 404, param: 'previous_response_id' });
    expect((await refusal(b.client.responses.delete(mine.id))).status).toBe(404);
    expect((await a.client.responses.retrieve(mine.id)).id).toBe(mine.id);
    const row = await keel.app.services.database.db
      .selectFrom('responses')
      .select('key_id')
      .where('id', '=', mine.id)
      .executeTakeFirstOrThrow();
    expect(row.key_id).toBe(a.keyId);
  });
});
