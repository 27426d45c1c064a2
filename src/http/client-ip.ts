import type { Context } from 'hono';

/**
 * The caller's address for CIDR scopes and audit. The socket's peer address by default:
 * X-Forwarded-For is client-controlled and only honoured with `server.trust_proxy`, where the
 * rightmost entry is the one the (trusted) proxy itself appended.
 */
export function clientIp(c: Context, trustProxy: boolean): string | null {
  if (trustProxy) {
    const xff = c.req.header('x-forwarded-for');
    const last = xff?.split(',').pop()?.trim();
    if (last) return last;
  }
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? null;
}
