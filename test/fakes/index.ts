export { startFakeAnthropic } from './anthropic.js';
export type { Behaviour, FakeToolCall, FakeUpstream, FakeUsage, RecordedRequest } from './common.js';
export { fakeEmbedding, startFakeOpenAI } from './openai.js';
