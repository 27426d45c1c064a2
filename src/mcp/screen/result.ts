import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { McpConfig } from '../../config/mcp.js';
import { detectIndirectInjection, detectPii, detectSecrets, redact } from '../../guards/index.js';
import { McpRefusal, type ToolCall } from '../types.js';
import type { OnGuardDecision } from './decision.js';
import { mapStrings } from './walk.js';

type Screening = McpConfig['screening'];

/**
 * Text of one result screened at most: 512 KiB (UTF-16 code units) over all its text items, embedded
 * text resources and structuredContent strings together. The text past it is cut off, never passed
 * on unscreened. Screening is synchronous on the event loop: measured about 0.7 ms for a 4 KB result,
 * 9 ms at 64 KB and 60 ms at 1 MiB, so the bound keeps one large result to about 30 ms.
 */
export const MAX_SCREENED_CHARS = 512 * 1024;
export const TRUNCATION_NOTE =
  "\n[keel: the rest of this tool result was cut off: it is past Keel's screening limit]";

/** What the agent gets in place of a result withheld under `screening.injection: redact`. */
export const WITHHELD_RESULT =
  '[Keel withheld the result of this tool call: it carried instructions addressed to the model.]';

/** The `_meta` key under which Keel tells the agent what it found in a result it let through. */
export const SCREENING_META = 'keel/screening';

/** A copy of the result with `fn` applied to each text the agent would read (unchanged parts shared). */
function mapResultTexts(result: CallToolResult, fn: (text: string) => string): CallToolResult {
  let changed = false;
  // An upstream answer is only as well-formed as the server that sent it.
  const items = Array.isArray(result.content) ? result.content : [];
  const content = items.map((item) => {
    if (item.type === 'text') {
      const text = fn(item.text);
      if (text === item.text) return item;
      changed = true;
      return { ...item, text };
    }
    if (item.type === 'resource' && 'text' in item.resource && typeof item.resource.text === 'string') {
      const text = fn(item.resource.text);
      if (text === item.resource.text) return item;
      changed = true;
      return { ...item, resource: { ...item.resource, text } };
    }
    return item;
  });
  const structured =
    result.structuredContent === undefined ? undefined : mapStrings(result.structuredContent, (t) => fn(t));
  if (structured !== result.structuredContent) changed = true;
  if (!changed) return result;
  const out: CallToolResult = { ...result, content };
  if (structured !== undefined) out.structuredContent = structured as Record<string, unknown>;
  return out;
}

/**
 * A tool result through the guards before the agent sees it: bounded (MAX_SCREENED_CHARS), then
 * indirect-injection detection over all of its text (block: the agent gets a refusal, never the
 * result; redact: a notice in its place, nothing of it passed on; flag: a finding and a `_meta` note), then secrets and PII redacted when `redact_results`.
 * Findings carry labels and scores, never the text.
 */
export function screenToolResult(
  call: ToolCall,
  result: CallToolResult,
  s: Screening,
  onDecision?: OnGuardDecision,
): CallToolResult {
  let budget = MAX_SCREENED_CHARS;
  let truncated = false;
  let out = mapResultTexts(result, (t) => {
    if (t.length <= budget) {
      budget -= t.length;
      return t;
    }
    const kept = t.slice(0, budget);
    budget = 0;
    truncated = true;
    return kept + TRUNCATION_NOTE;
  });
  const note: Record<string, unknown> = {};
  if (truncated) {
    call.findings.push('result_truncated');
    note.truncated = true;
  }
  if (s.injection !== 'off') {
    const texts: string[] = [];
    mapResultTexts(out, (t) => {
      texts.push(t);
      return t;
    });
    const r = detectIndirectInjection(texts.join('\n\n'));
    const score = Math.round(r.score * 1000) / 1000;
    const blocked = s.injection === 'block' && r.score >= s.block_threshold;
    const withheld = s.injection === 'redact' && r.score >= s.flag_threshold;
    if (blocked || r.score >= s.flag_threshold)
      onDecision?.(call, {
        detector: 'indirect_injection',
        direction: 'output',
        action: blocked ? 'block' : withheld ? 'redact' : 'flag',
        score,
        labels: r.labels,
      });
    if (withheld) {
      // Not an error: the call worked, and the agent goes on knowing what it was not shown.
      call.findings.push(`result_injection:withheld:${score}`);
      return {
        content: [{ type: 'text', text: WITHHELD_RESULT }],
        _meta: { ...out._meta, [SCREENING_META]: { injection: { withheld: true, score } } },
      };
    }
    if (blocked) {
      call.findings.push(`result_injection:blocked:${score}`);
      throw new McpRefusal(
        'prompt_injection_detected',
        `Keel withheld the result of ${call.tool.name}: it contains an instruction injected into tool content.`,
        { tool: call.tool.name, score },
      );
    }
    if (r.score >= s.flag_threshold) {
      call.findings.push(`result_injection:flagged:${score}`);
      note.injection = { flagged: true, score };
    }
  }
  if (s.redact_results) {
    const labels = new Set<string>();
    const secrets = new Set<string>();
    const pii = new Set<string>();
    out = mapResultTexts(out, (t) => {
      const found = [detectSecrets(t), detectPii(t)];
      const spans = found.flatMap((r) => r.spans);
      if (spans.length === 0) return t;
      for (const sp of spans) labels.add(sp.label);
      for (const l of found[0]?.labels ?? []) secrets.add(l);
      for (const l of found[1]?.labels ?? []) pii.add(l);
      return redact(t, spans);
    });
    for (const [detector, found] of [
      ['secrets', secrets],
      ['pii', pii],
    ] as const)
      if (found.size > 0)
        onDecision?.(call, { detector, direction: 'output', action: 'redact', score: 1, labels: [...found] });
    if (labels.size > 0) {
      call.findings.push(`result_redacted:${[...labels].join(',')}`);
      note.redacted = [...labels];
    }
  }
  if (Object.keys(note).length === 0) return out;
  return { ...out, _meta: { ...out._meta, [SCREENING_META]: note } };
}
