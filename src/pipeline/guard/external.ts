import { request } from 'undici';
import type { ChatRequest } from '../../canonical/types.js';
import type { GuardPolicy } from '../../config/guards.js';
import { KeelError } from '../../errors.js';
import type { ExternalOutcome } from '../../telemetry/metrics.js';
import { event } from './input.js';
import type { GuardEvent } from './types.js';

export type { ExternalOutcome };

/**
 * An external injection classifier for high-risk use cases: Keel POSTs `{"text": …}` (the user's
 * and tools' text of the request) to the policy's endpoint and reads `{"score": 0..1}` back. It runs
 * after the built-in detectors passed the request. An endpoint that fails or times out decides by
 * `on_error` (`block` fails closed, `allow` fails open) — a guard that silently disappears under
 * load is worse than either. `observe` is told every call's outcome and duration (the metrics).
 */
export async function checkExternal(
  req: ChatRequest,
  policy: GuardPolicy,
  events: GuardEvent[],
  /** `on_error` when the policy sets none: from failure_policy.guards. */
  fallback: 'block' | 'allow' = 'block',
  observe?: (outcome: ExternalOutcome, seconds: number) => void,
): Promise<void> {
  const ext = policy.injection.external;
  if (!ext) return;
  let text = '';
  for (const m of req.messages)
    if (m.role === 'user' || m.role === 'tool')
      for (const p of m.content) if (p.type === 'text') text += `${p.text}\n`;
  if (!text) return;
  let score: number;
  const started = performance.now();
  const took = () => (performance.now() - started) / 1000;
  try {
    const res = await request(ext.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ext.headers },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(ext.timeout_ms),
    });
    const body = (await res.body.json()) as { score?: unknown };
    if (
      res.statusCode < 200 ||
      res.statusCode >= 300 ||
      typeof body.score !== 'number' ||
      !Number.isFinite(body.score)
    )
      throw new Error(`unexpected answer (status ${res.statusCode})`);
    score = body.score;
  } catch (e) {
    const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
    observe?.(timedOut ? 'timeout' : 'error', took());
    const onError = ext.on_error ?? fallback;
    events.push(
      event(
        'injection',
        'input',
        onError === 'block' ? 'block' : 'flag',
        {
          score: 0,
          labels: [
            'injection.external.unavailable',
            timedOut ? 'injection.external.timeout' : 'injection.external.error',
          ],
          spans: [],
        },
        -1,
      ),
    );
    if (onError === 'block')
      throw new KeelError(
        'prompt_injection_detected',
        "Keel's guard policy blocked this request: the external injection classifier could not be reached.",
      );
    return;
  }
  observe?.(score < ext.threshold ? 'below' : 'above', took());
  if (score < ext.threshold) return;
  const action = policy.injection.input === 'block' ? 'block' : 'flag';
  events.push(event('injection', 'input', action, { score, labels: ['injection.external'], spans: [] }, -1));
  if (action === 'block')
    throw new KeelError(
      'prompt_injection_detected',
      "Keel's guard policy blocked this request: the external injection classifier flagged it.",
    );
}
