// @ts-check
/**
 * A fast fake OpenAI-compatible upstream for the benchmark. Every byte it sends is computed once at
 * start-up so that the time it spends per request is as close to "socket in, socket out" as node:http
 * allows: the benchmark measures Keel, not this server.
 *
 * Run as a child process (`node bench/fake-upstream.js`): it listens on 127.0.0.1, an ephemeral port,
 * and reports `{ port }` over IPC (or prints `listening <url>` when started without IPC).
 */
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

/** Usage the fake reports on every chat completion; run.js checks Keel recorded exactly this. */
export const FAKE_USAGE = Object.freeze({
  prompt_tokens: 412,
  completion_tokens: 57,
  total_tokens: 469,
  prompt_tokens_details: { cached_tokens: 256, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 0,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0,
  },
});

const UPSTREAM_MODEL = 'fake-gpt-4o-mini-2024-07-18';
const CREATED = 1_735_689_600;
const ANSWER =
  'Yes, the paperback edition ships to Norway with our standard international courier. ' +
  'Delivery usually takes five to eight business days after dispatch, and you will receive ' +
  'a tracking link by email as soon as the parcel leaves our warehouse.';

const completionBody = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-BENCHfake0000000000000000001',
    object: 'chat.completion',
    created: CREATED,
    model: UPSTREAM_MODEL,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: ANSWER, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: FAKE_USAGE,
    service_tier: 'default',
    system_fingerprint: 'fp_bench0001',
  }),
);

/** @param {Record<string, unknown>} delta @param {string | null} finish */
function chunk(delta, finish) {
  return {
    id: 'chatcmpl-BENCHfake0000000000000000002',
    object: 'chat.completion.chunk',
    created: CREATED,
    model: UPSTREAM_MODEL,
    service_tier: 'default',
    system_fingerprint: 'fp_bench0001',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  };
}

/** @param {boolean} includeUsage */
function buildStream(includeUsage) {
  /** @type {object[]} */
  const events = [chunk({ role: 'assistant', content: '', refusal: null }, null)];
  // Word-sized deltas, as real upstreams send, so Keel's SSE parser sees a realistic event count.
  for (const piece of ANSWER.match(/\S+\s*/g) ?? []) events.push(chunk({ content: piece }, null));
  events.push(chunk({}, 'stop'));
  if (includeUsage) {
    // OpenAI's final usage chunk: empty choices, usage set (and null on every chunk before it).
    for (const e of events) Object.assign(e, { usage: null });
    events.push({ ...chunk({}, null), choices: [], usage: FAKE_USAGE });
  }
  const text = `${events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('')}data: [DONE]\n\n`;
  return Buffer.from(text);
}

/**
 * bench/hostile.js offers a tool named `lookup`; the fake calls it with a long argument so Keel's
 * tool guard validates the caller's schema (and its `pattern`) against 2,000 characters.
 */
const toolCallBody = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-BENCHfake0000000000000000003',
    object: 'chat.completion',
    created: CREATED,
    model: UPSTREAM_MODEL,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_bench0001',
              type: 'function',
              function: { name: 'lookup', arguments: JSON.stringify({ q: 'x'.repeat(2000) }) },
            },
          ],
          refusal: null,
          annotations: [],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ],
    usage: FAKE_USAGE,
    service_tier: 'default',
    system_fingerprint: 'fp_bench0001',
  }),
);
const TOOLS_MARKER = Buffer.from('"tools"');

const streamWithUsage = buildStream(true);
const streamWithoutUsage = buildStream(false);
const notFound = Buffer.from(
  JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error', code: null, param: null } }),
);

const JSON_HEADERS = { 'content-type': 'application/json', 'x-request-id': 'req_bench' };
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
const STREAM_MARKER = Buffer.from('"stream"');

/**
 * @param {Buffer} body
 * @returns {{ stream: boolean, includeUsage: boolean } | null} null when the body is not JSON
 */
function streamMode(body) {
  // Fast path: the common non-streaming request never mentions "stream", so skip JSON.parse.
  if (body.indexOf(STREAM_MARKER) === -1) return { stream: false, includeUsage: false };
  try {
    const req = JSON.parse(body.toString('utf8'));
    return { stream: req.stream === true, includeUsage: req.stream_options?.include_usage === true };
  } catch {
    return null;
  }
}

/** @param {import('node:http').ServerResponse} res @param {number} status @param {Buffer} body */
function sendJson(res, status, body) {
  res.writeHead(status, { ...JSON_HEADERS, 'content-length': body.length });
  res.end(body);
}

/** Creates (does not start) the fake upstream server. */
export function createFakeUpstream() {
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      req.resume();
      sendJson(res, 404, notFound);
      return;
    }
    /** @type {Buffer[]} */
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      const body = parts.length === 1 ? /** @type {Buffer} */ (parts[0]) : Buffer.concat(parts);
      const mode = streamMode(body);
      if (mode === null) {
        sendJson(res, 400, notFound);
      } else if (mode.stream) {
        const body = mode.includeUsage ? streamWithUsage : streamWithoutUsage;
        // No content-length: real upstreams stream SSE with chunked transfer encoding.
        res.writeHead(200, SSE_HEADERS);
        res.end(body);
      } else {
        sendJson(res, 200, body.indexOf(TOOLS_MARKER) === -1 ? completionBody : toolCallBody);
      }
    });
  });
  // Keel keeps pooled connections open between runs; never let the fake close them first.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  return server;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const server = createFakeUpstream();
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    if (process.send) process.send({ port });
    else process.stdout.write(`listening http://127.0.0.1:${port}\n`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Die with the bench: an orphaned fake would hold a port and a core.
  process.on('disconnect', () => process.exit(0));
}
