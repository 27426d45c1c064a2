import type { ChatRequest } from '../canonical/types.js';
import { DEFAULT_POLICY, type GuardPolicy, INJECTION_BLOCK_AT, INJECTION_FLAG_AT } from '../config/guards.js';
import { KeelError } from '../errors.js';
import { screenInput } from '../pipeline/guard/input.js';
import type { GuardEvent } from '../pipeline/guard/types.js';

/** What the gateway does with a text under a policy: the strongest action any detector took. */
export type GatewayAction = 'block' | 'redact' | 'mask' | 'flag' | 'allow';

const ORDER: readonly GatewayAction[] = ['allow', 'flag', 'mask', 'redact', 'block'];

/**
 * The gateway's input decision for one text, reached through the gateway's own screening code
 * (`screenInput`), so `keel guard scan` and `keel guard eval` report what a request would meet, on
 * the same score scale. `indirect`: the text arrives as a tool result.
 */
export function gatewayAction(
  text: string,
  indirect = false,
  policy: GuardPolicy = DEFAULT_POLICY,
): GatewayAction {
  const req: ChatRequest = {
    model: 'scan',
    stream: false,
    messages: [
      indirect
        ? { role: 'tool', toolCallId: 'scan', content: [{ type: 'text', text }] }
        : { role: 'user', content: [{ type: 'text', text }] },
    ],
  };
  const events: GuardEvent[] = [];
  try {
    screenInput(req, policy, events);
  } catch (e) {
    if (e instanceof KeelError) return 'block';
    throw e;
  }
  let strongest: GatewayAction = 'allow';
  for (const ev of events) {
    const a = ev.action === 'strip' || ev.action === 'off' ? 'flag' : ev.action;
    if (ORDER.indexOf(a) > ORDER.indexOf(strongest)) strongest = a;
  }
  return strongest;
}

/** Row kinds that are not the user's own words; with `--route` they arrive as tool results. */
export const INDIRECT_ROW_KINDS: readonly string[] = ['indirect', 'document', 'tool', 'rag', 'retrieved'];

export interface GatewayRates {
  /** Rows per label, and how many of them the policy blocked or only flagged. */
  byLabel: Record<string, { n: number; block: number; flag: number }>;
}

/** Block and flag counts of the default policy over labelled rows (injection-related decisions and all). */
export function gatewayRates(
  rows: ReadonlyArray<{ text: string; label: string; kind?: string }>,
  indirectKind: (kind: string | undefined) => boolean,
): GatewayRates {
  const byLabel: GatewayRates['byLabel'] = {};
  for (const row of rows) {
    byLabel[row.label] ??= { n: 0, block: 0, flag: 0 };
    const c = byLabel[row.label]!;
    c.n++;
    const action = gatewayAction(row.text, indirectKind(row.kind));
    if (action === 'block') c.block++;
    else if (action !== 'allow') c.flag++;
  }
  return { byLabel };
}

export function formatGatewayRates(r: GatewayRates): string {
  const pct = (k: number, n: number) => `${((100 * k) / n).toFixed(1)}%`;
  const lines = Object.entries(r.byLabel)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([label, c]) =>
        `  ${label.padEnd(10)} ${String(c.n).padStart(6)}  blocked ${pct(c.block, c.n).padStart(6)}  flagged only ${pct(c.flag, c.n).padStart(6)}`,
    );
  return `\ndefault gateway policy (injection: block from ${INJECTION_BLOCK_AT}, flag from ${INJECTION_FLAG_AT}; secrets masked, PII flagged):\n${lines.join('\n')}\n`;
}
