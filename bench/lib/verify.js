// @ts-check
/**
 * Correctness checks around the benchmark: a fast gateway that drops usage rows or mangles answers
 * does not count. Before the load, one non-streaming and one streaming call go through Keel and are
 * checked field by field; after Keel stopped (it flushes usage on SIGTERM) the SQLite store is read
 * to check there is one usage row per request with the token counts the upstream reported.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
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
    /** @type {unknown} */
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

/** @param {string} what @param {any} usage @param {string[]} problems */
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
 * @property {string | null} table
 */

/** Column lookup that does not care whether the store spells it input_tokens or inputTokens. */
/** @param {string[]} cols @param {string} name */
function col(cols, name) {
  return cols.find((c) => c.toLowerCase().replaceAll('_', '') === name) ?? null;
}

/**
 * @param {string} dbPath
 * @param {{ min: number, max: number }} expected rows: at least the completed requests, at most the sent ones
 *   (a request cut by the load generator at the end of a run may or may not have reached Keel)
 * @returns {UsageCheck}
 */
export function checkUsageRows(dbPath, expected) {
  if (!existsSync(dbPath)) return { ok: false, detail: `no database at ${dbPath}`, rows: null, table: null };
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const tables = /** @type {{ name: string }[]} */ (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()
    ).map((t) => t.name);
    const table = tables.find((t) => /usage/i.test(t) && !/migration/i.test(t));
    if (!table)
      return { ok: false, detail: `no usage table among: ${tables.join(', ')}`, rows: null, table: null };
    const cols = /** @type {{ name: string }[]} */ (db.prepare(`PRAGMA table_info("${table}")`).all()).map(
      (c) => c.name,
    );
    const rows = /** @type {{ n: number }} */ (db.prepare(`SELECT count(*) AS n FROM "${table}"`).get()).n;
    const parts = [`${rows} rows in ${table} (expected ${expected.min}..${expected.max})`];
    let ok = rows >= expected.min && rows <= expected.max;

    const status = col(cols, 'status');
    if (status) {
      const byStatus = /** @type {{ s: number, n: number }[]} */ (
        db.prepare(`SELECT "${status}" AS s, count(*) AS n FROM "${table}" GROUP BY 1 ORDER BY 1`).all()
      );
      parts.push(`by status: ${byStatus.map((r) => `${r.s}=${r.n}`).join(' ')}`);
    }
    const input = col(cols, 'inputtokens');
    const cached = col(cols, 'cachedinputtokens');
    const output = col(cols, 'outputtokens');
    if (input && cached && output) {
      const where = status ? `WHERE "${status}" = 200` : '';
      const q = `SELECT count(*) AS n FROM "${table}" ${where}
        ${where ? 'AND' : 'WHERE'} NOT ("${input}" = ? AND "${cached}" = ? AND "${output}" = ?)`;
      const wrong = /** @type {{ n: number }} */ (
        db
          .prepare(q)
          .get(
            FAKE_USAGE.prompt_tokens,
            FAKE_USAGE.prompt_tokens_details.cached_tokens,
            FAKE_USAGE.completion_tokens,
          )
      ).n;
      parts.push(`${wrong} successful rows with tokens different from the upstream's`);
      if (wrong > 0) ok = false;
    }
    return { ok, detail: parts.join('; '), rows, table };
  } finally {
    db.close();
  }
}
