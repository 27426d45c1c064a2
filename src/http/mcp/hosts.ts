/**
 * DNS rebinding protection for /mcp. A web page can make a browser send requests to a name that
 * resolves to the machine Keel runs on; the browser then sends the attacker's name as Host and its
 * page as Origin. When Keel listens on loopback, only loopback names are accepted; otherwise the
 * names in `mcp.allowed_hosts` (when set), and an Origin must name the host it is sent to.
 */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

function originHostname(origin: string): string | null {
  try {
    return new URL(origin).hostname.toLowerCase();
  } catch {
    return null;
  }
}

export function hostRefusal(
  headers: Pick<Headers, 'get'>,
  opts: { loopback: boolean; allowedHosts: readonly string[] },
): string | null {
  const named = (n: string) => LOOPBACK.has(n) || opts.allowedHosts.includes(n);
  const host = hostnameOf(headers.get('host') ?? '');
  if ((opts.loopback || opts.allowedHosts.length > 0) && !named(host))
    return `Host "${host.slice(0, 100)}" is not allowed for /mcp (mcp.allowed_hosts).`;
  const origin = headers.get('origin');
  if (origin === null) return null;
  const from = originHostname(origin);
  if (from === null || !(named(from) || (!opts.loopback && from === host)))
    return `Origin "${origin.slice(0, 100)}" is not allowed for /mcp.`;
  return null;
}
