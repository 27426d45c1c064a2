// @ts-check
/**
 * Correctness checks around the benchmark: a fast gateway that drops usage rows or mangles answers
 * does not count. Before the load, one non-streaming and one streaming call go through Keel and are
 * checked field by field; after Keel stopped (it flushes usage on SIGTERM) the SQLite store is read
 * through Keel's store to check there is one usage row per request with the token counts the upstream
 * reported.
 */
import { existsSync } from 'node:fs';
import { openDatabase } from '#keel/store/db.js';
import { FAKE_USAGE } from '../fake-upstream.js';

/**
 * @param {string} keelUrl @param {string} body non-streaming request body
 * @param {string} streamBody @param {Record<string, string>} headers
 * @returns {Promise<string[]>} problems found (empty = all good)
 */
export async function sanityCheck(keelUrl, body, streamBody, headers) {
  /** @type {string[]} */
  const problems = [];
  const url = `${keelUrl}/v1/chat/completions`;
  const h = { 'content-type': 'application/json', ...headers };

  const res = await fetch(url, { method: 'POST', headers: h, body });
  const text = await res.text();
  if (res.status !== 200) problems.push(`non-streaming: HTTP ${res.status}: ${text.slice(0, 300)}`);
  else {
    if (!res.headers.get('x-keel-request-id')) problems.push('non-streaming: no x-keel-request-id header');
    const json = JSON.parse(text);
    if (typeof json.choices?.[0]?.message?.content !== 'string' || json.choices[0].message.content === '')
      problems.push('non-streaming: no choices[0].message.content');
    checkUsage('non-streaming', json.usage, problems);
  }

  const sres = await fetch(url, { method: 'POST', headers: h, body: streamBody });
  const stext = await sres.text();
  if (sres.status !== 200) problems.push(`streaming: HTTP ${sres.status}: ${stext.slice(0, 300)}`);
  else {
    if (!(sres.headers.get('content-type') ?? '').startsWith('text/event-stream'))
      problems.push(`streaming: content-type ${sres.headers.get('content-type')}`);
    if (!stext.trimEnd().endsWith('data: [DONE]')) problems.push('streaming: does not end with data: [DONE]');
    let content = '';
    /** @type {Parameters<typeof checkUsage>[1]} */
    let usage;
    for (const line of stext.split('\n')) {
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      const ev = JSON.parse(line.slice(6));
      content += ev.choices?.[0]?.delta?.content ?? '';
      if (ev.usage) usage = ev.usage;
    }
    if (content === '') problems.push('streaming: no content deltas');
    checkUsage('streaming', usage, problems);
  }
  return problems;
}

/**
 * @param {string} what
 * @param {{ prompt_tokens?: number, prompt_tokens_details?: { cached_tokens?: number }, completion_tokens?: number } | undefined} usage
 * @param {string[]} problems
 */
function checkUsage(what, usage, problems) {
  const got = `${usage?.prompt_tokens}/${usage?.prompt_tokens_details?.cached_tokens}/${usage?.completion_tokens}`;
  const want = `${FAKE_USAGE.prompt_tokens}/${FAKE_USAGE.prompt_tokens_details.cached_tokens}/${FAKE_USAGE.completion_tokens}`;
  if (got !== want) problems.push(`${what}: usage prompt/cached/completion ${got}, upstream sent ${want}`);
}

/**
 * @typedef {object} UsageCheck
 * @property {boolean} ok
 * @property {string} detail
 * @property {number | null} rows
 */

/**
 * Reads the store with Keel's own opening and schema (not a guess at its tables and columns).
 * @param {string} dbPath
 * @param {{ min: number, max: number }} expected rows: at least the completed requests, at most the sent ones
 *   (a request cut by the load generator at the end of a run may or may not have reached Keel)
 * @returns {Promise<UsageCheck>}
 */
export async function checkUsageRows(dbPath, expected) {
  if (!existsSync(dbPath)) return { ok: false, detail: `no database at ${dbPath}`, rows: null };
  const database = await openDatabase(`sqlite:${dbPath}`, { migrate: 'require' });
  try {
    const { db } = database;
    const byStatus = await db
      .selectFrom('usage_events')
      .select((eb) => ['status', eb.fn.countAll().as('n')])
      .groupBy('status')
      .orderBy('status')
      .execute();
    const rows = byStatus.reduce((sum, r) => sum + Number(r.n), 0);
    const parts = [
      `${rows} usage rows (expected ${expected.min}..${expected.max})`,
      `by status: ${byStatus.map((r) => `${r.status}=${r.n}`).join(' ')}`,
    ];
    let ok = rows >= expected.min && rows <= expected.max;
    const wrong = await db
      .selectFrom('usage_events')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('status', '=', 200)
      .where((eb) =>
        eb.not(
          eb.and([
            eb('input_tokens', '=', FAKE_USAGE.prompt_tokens),
            eb('cached_input_tokens', '=', FAKE_USAGE.prompt_tokens_details.cached_tokens),
            eb('output_tokens', '=', FAKE_USAGE.completion_tokens),
          ]),
        ),
      )
      .executeTakeFirstOrThrow();
    parts.push(`${wrong.n} successful rows with tokens different from the upstream's`);
    if (Number(wrong.n) > 0) ok = false;
    return { ok, detail: parts.join('; '), rows };
  } finally {
    await database.close();
  }
}
