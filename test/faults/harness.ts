import { expect } from 'vitest';
import type { FakeUpstream } from '../fakes/index.js';
import { obj } from '../helpers/fixtures.js';

/** Upstream model names as the seed price table knows them, so answered calls are priced. */
export const GPT = 'gpt-4o';
export const CLAUDE = 'claude-sonnet-4-5-20250929';

/** Target timeout of every faults config: bounds the first byte, a whole non-stream answer and each stream silence. */
export const TIMEOUT_MS = 500;

/**
 * Per family, a model with no fallback (`<family>`) and one falling back to the other family
 * (`<family>-fb`), each retried once; `<family>-ok` are the fallbacks. The breaker is out of the way
 * unless `routing` says otherwise.
 */
export function faultsConfig(
  up: { openai: FakeUpstream; anthropic: FakeUpstream },
  routing: Record<string, unknown> = {},
): Record<string, unknown> {
  const oai = [{ provider: 'oai', model: GPT }];
  const ant = [{ provider: 'ant', model: CLAUDE }];
  return {
    providers: [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: keel.yaml ${VAR} interpolation, read by parseConfig
      { id: 'oai', kind: 'openai', base_url: `${up.openai.url}/v1`, api_key: '${OAI_KEY}' },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: keel.yaml ${VAR} interpolation, read by parseConfig
      { id: 'ant', kind: 'anthropic', base_url: up.anthropic.url, api_key: '${ANT_KEY}' },
    ],
    models: [
      { name: 'openai', targets: oai, retries: 1 },
      { name: 'openai-fb', targets: oai, retries: 1, fallbacks: ['anthropic-ok'] },
      { name: 'openai-ok', targets: oai, retries: 0 },
      { name: 'anthropic', targets: ant, retries: 1 },
      { name: 'anthropic-fb', targets: ant, retries: 1, fallbacks: ['openai-ok'] },
      { name: 'anthropic-ok', targets: ant, retries: 0 },
      { name: 'embed', type: 'embedding', targets: [{ provider: 'oai', model: 'text-embedding-3-small' }] },
    ],
    routing: {
      timeout_ms: TIMEOUT_MS,
      retries: { max: 1, base_delay_ms: 5, max_delay_ms: 2000 },
      circuit_breaker: { failure_threshold: 1000, cooldown_ms: 1000 },
      ...routing,
    },
  };
}

export interface SseFrame {
  event: string | undefined;
  data: string;
}

/**
 * Splits an SSE body into frames and checks each is well formed: only `event:` and `data:` lines,
 * JSON data (or OpenAI's `[DONE]`). A stream Keel ends must never be half a frame or plain text.
 */
export function parseSse(text: string): SseFrame[] {
  const frames: SseFrame[] = [];
  expect(
    text.endsWith('\n\n'),
    `stream does not end on a frame boundary: ${JSON.stringify(text.slice(-80))}`,
  ).toBe(true);
  for (const block of text.split('\n\n')) {
    if (block.trim() === '') continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
      else if (!line.startsWith(':')) throw new Error(`not an SSE line: ${JSON.stringify(line)}`);
    }
    const joined = data.join('\n');
    if (joined !== '[DONE]') JSON.parse(joined);
    frames.push({ event, data: joined });
  }
  return frames;
}

/** The error a stream ended with, in the client's shape; undefined when it ended cleanly. */
export function streamError(
  shape: 'openai' | 'anthropic',
  frames: SseFrame[],
): Record<string, unknown> | undefined {
  const last = frames.at(-1);
  if (!last) throw new Error('empty stream');
  if (shape === 'openai') {
    if (last.data === '[DONE]') return undefined;
    const body = obj(JSON.parse(last.data));
    expect(body.error, `last frame is neither [DONE] nor an error: ${last.data}`).toBeDefined();
    expect(frames.some((f) => f.data === '[DONE]')).toBe(false);
    return obj(body.error);
  }
  if (last.event === 'message_stop') return undefined;
  expect(last.event, `last frame is neither message_stop nor an error: ${last.data}`).toBe('error');
  const body = obj(JSON.parse(last.data));
  expect(body.type).toBe('error');
  expect(frames.some((f) => f.event === 'message_stop')).toBe(false);
  return obj(body.error);
}

/** The text a stream carried, in either shape. */
export function streamText(shape: 'openai' | 'anthropic', frames: SseFrame[]): string {
  let text = '';
  for (const f of frames) {
    if (f.data === '[DONE]') continue;
    const d = obj(JSON.parse(f.data));
    if (shape === 'openai') {
      const choices = Array.isArray(d.choices) ? d.choices : [];
      const c = choices[0] as { delta?: { content?: string } } | undefined;
      text += c?.delta?.content ?? '';
    } else if (d.type === 'content_block_delta') {
      const delta = obj(d.delta);
      if (typeof delta.text === 'string') text += delta.text;
    }
  }
  return text;
}

/** Nothing a client receives may look like a stack trace or a source path. */
export function expectNoInternals(text: string): void {
  expect(text).not.toMatch(/\n\s+at |\.ts:\d+|node_modules|UpstreamError|TypeError/);
}
