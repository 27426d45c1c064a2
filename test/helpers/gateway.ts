import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type FakeUpstream, startFakeAnthropic, startFakeOpenAI } from '../fakes/index.js';
import { anthropicClient, openaiClient, type Upstreams } from './fixtures.js';
import { type KeelOptions, type StartedKeel, startKeel, TEST_ENV } from './keel.js';

/** A fake OpenAI and a fake Anthropic upstream, Keel in front of them, and an SDK client of each shape. */
export interface Gateway {
  oai: FakeUpstream;
  ant: FakeUpstream;
  keel: StartedKeel;
  openai: OpenAI;
  anthropic: Anthropic;
}

/**
 * One gateway for the whole test file: started before its first test (then `ready` receives it), closed
 * after its last; the fakes forget what they saw before each test.
 */
export function setupGateway(
  config: (up: Upstreams) => Record<string, unknown>,
  ready: (g: Gateway) => void,
  opts: KeelOptions = {},
): void {
  let oai: FakeUpstream | undefined;
  let ant: FakeUpstream | undefined;
  let keel: StartedKeel | undefined;
  beforeAll(async () => {
    oai = await startFakeOpenAI({ apiKey: TEST_ENV.OAI_KEY });
    ant = await startFakeAnthropic({ apiKey: TEST_ENV.ANT_KEY });
    keel = await startKeel(config({ openai: oai, anthropic: ant }), TEST_ENV, opts);
    ready({ oai, ant, keel, openai: openaiClient(keel.url), anthropic: anthropicClient(keel.url) });
  });
  afterAll(async () => {
    await keel?.close();
    await oai?.close();
    await ant?.close();
  });
  beforeEach(() => {
    oai?.reset();
    ant?.reset();
  });
}
