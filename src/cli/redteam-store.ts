/**
 * Storing a run on the Keel it attacked: `POST <origin>/api/redteam/runs` with an admin token. A 404
 * means the target is not Keel (or a Keel without stored runs) and is skipped without a word; any
 * other failure is a warning, never a different exit code — the run itself succeeded.
 */
import { withoutAttempts } from '../redteam/report/index.js';
import type { RedteamReport } from '../redteam/types.js';

export type StoreResult =
  | { stored: true; id?: string }
  | { stored: false; reason: 'not-keel' }
  | { stored: false; reason: 'failed'; message: string };

const STORE_TIMEOUT_MS = 15_000;

export async function storeRun(
  report: RedteamReport,
  opts: { target: string; adminToken?: string; fetch?: typeof fetch },
): Promise<StoreResult> {
  const url = `${new URL(opts.target).origin}/api/redteam/runs`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.adminToken) headers.authorization = `Bearer ${opts.adminToken}`;
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(withoutAttempts(report)),
      signal: AbortSignal.timeout(STORE_TIMEOUT_MS),
    });
  } catch (e) {
    return { stored: false, reason: 'failed', message: `${url}: ${(e as Error).message}` };
  }
  const text = await res.text().catch(() => '');
  if (res.status === 404) return { stored: false, reason: 'not-keel' };
  if (!res.ok) {
    const hint =
      res.status === 401 || res.status === 403
        ? opts.adminToken
          ? ' (the admin token was refused; storing needs the operator or admin role)'
          : ' (pass --admin-token or set KEEL_ADMIN_TOKEN, or --no-store)'
        : '';
    return { stored: false, reason: 'failed', message: `${url} answered ${res.status}${hint}` };
  }
  let id: string | undefined;
  try {
    const body = JSON.parse(text) as { id?: unknown };
    if (typeof body.id === 'string') id = body.id;
  } catch {
    // stored; the id is a nicety
  }
  return id === undefined ? { stored: true } : { stored: true, id };
}
