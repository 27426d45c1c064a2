/**
 * The JUnit XML report, for CI systems: one `<testsuite>` per category, one `<testcase>` per probe. A
 * succeeded attack and a blocked benign prompt are `<failure>`s; a probe the run could not judge is an
 * `<error>`. Times are in seconds, as the format wants.
 */
import { type Attempt, OWASP_2025, type RedteamReport } from '../types.js';

/** Characters XML 1.0 cannot carry even as references: C0 controls but tab/LF/CR, U+FFFE/F, lone surrogates. */
const NOT_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters XML cannot carry are what it finds.
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Escape for XML text and attribute values; characters XML cannot hold become a visible `\uXXXX`. */
export function xmlEscape(text: string): string {
  return text
    .replace(NOT_XML, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function detail(a: Attempt): string {
  const lines = [
    `${a.kind} ${a.probe_id} (${a.category}, ${a.owasp}, strategy ${a.strategy}): ${a.title}`,
    `outcome: ${a.outcome}; HTTP ${a.status}${a.error_code ? `; code ${a.error_code}` : ''}${a.evidence ? `; evidence ${a.evidence}` : ''}`,
    '--- request',
    a.request_excerpt,
    '--- response',
    a.response_excerpt,
  ];
  return xmlEscape(lines.join('\n'));
}

function testcase(a: Attempt): string {
  const open = `    <testcase name="${xmlEscape(a.probe_id)}" classname="redteam.${xmlEscape(a.category)}.${xmlEscape(a.strategy)}" time="${seconds(a.latency_ms)}"`;
  if (a.outcome === 'succeeded')
    return `${open}>\n      <failure type="attack_succeeded" message="${xmlEscape(`attack succeeded: ${a.evidence ?? ''}`)}">${detail(a)}</failure>\n    </testcase>`;
  if (a.outcome === 'false_positive')
    return `${open}>\n      <failure type="false_positive" message="${xmlEscape(`benign prompt blocked: ${a.error_code ?? a.status}`)}">${detail(a)}</failure>\n    </testcase>`;
  if (a.outcome === 'error')
    return `${open}>\n      <error type="${xmlEscape(a.error_code ?? 'error')}" message="${xmlEscape(`not judged: HTTP ${a.status} ${a.error_code ?? ''}`.trim())}">${detail(a)}</error>\n    </testcase>`;
  return `${open}/>`;
}

const failed = (a: Attempt) => a.outcome === 'succeeded' || a.outcome === 'false_positive';

/** JUnit's timestamp: ISO 8601 without a zone designator (the schema's xs:dateTime pattern). */
const junitTimestamp = (iso: string) => iso.replace(/(\.\d+)?Z$/, '');

export function toJunitXml(report: RedteamReport): string {
  const attempts = report.attempts ?? [];
  const suites = report.by_category.map((c, i) => {
    const cases = attempts.filter((a) => a.category === c.category);
    const time = cases.reduce((sum, a) => sum + a.latency_ms, 0);
    return [
      `  <testsuite name="${xmlEscape(c.category)}" id="${i}" package="${xmlEscape(c.owasp)}" tests="${cases.length}" failures="${cases.filter(failed).length}" errors="${cases.filter((a) => a.outcome === 'error').length}" skipped="0" time="${seconds(time)}" timestamp="${junitTimestamp(report.started_at)}" hostname="keel-redteam">`,
      '    <properties>',
      `      <property name="owasp" value="${xmlEscape(`${c.owasp} ${OWASP_2025[c.owasp]}`)}"/>`,
      `      <property name="target" value="${xmlEscape(report.target.url)}"/>`,
      `      <property name="model" value="${xmlEscape(report.target.model)}"/>`,
      `      <property name="seed" value="${report.seed}"/>`,
      `      <property name="corpus_version" value="${xmlEscape(report.corpus_version)}"/>`,
      '    </properties>',
      ...cases.map(testcase),
      '  </testsuite>',
    ].join('\n');
  });
  const head = `<testsuites name="keel redteam" tests="${attempts.length}" failures="${attempts.filter(failed).length}" errors="${attempts.filter((a) => a.outcome === 'error').length}" time="${seconds(report.duration_ms)}">`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${head}\n${suites.join('\n')}\n</testsuites>\n`;
}
