import { lookup } from 'node:dns/promises';
import { chmod } from 'node:fs/promises';
import net from 'node:net';

/**
 * Keel's side of a sandbox's way out: an HTTP proxy on a Unix socket that only the sandbox (where
 * it is bind-mounted) and Keel can reach. It tunnels (CONNECT) or forwards (plain HTTP) to
 * `host:port` pairs on the server's `allow_hosts` and refuses everything else. Names are resolved here, by Keel, and the
 * tunnel goes to the address that was checked, so the sandbox never needs DNS and cannot race a
 * second resolution.
 */

export interface EgressTarget {
  host: string;
  port: number;
}

export interface EgressDecision extends EgressTarget {
  allowed: boolean;
  /** Why a request was refused. */
  reason?: string;
}

/** `host[:port]` entries of `sandbox.allow_hosts`; a bare host means port 443. */
export function parseAllowHosts(entries: string[]): EgressTarget[] {
  return entries.map((e) => {
    const i = e.lastIndexOf(':');
    if (i < 0) return { host: e.toLowerCase(), port: 443 };
    return { host: e.slice(0, i).toLowerCase(), port: Number(e.slice(i + 1)) };
  });
}

/**
 * Addresses a named host may not lead to: loopback (Keel's own ports), link-local (cloud metadata
 * services), unspecified and multicast. An entry written as an IP literal is the operator's
 * explicit choice and is honoured.
 */
function forbiddenForName(address: string): boolean {
  if (net.isIPv4(address)) {
    const [a, b] = address.split('.').map(Number);
    return a === 127 || a === 0 || (a === 169 && b === 254) || (a !== undefined && a >= 224);
  }
  const v6 = address.toLowerCase();
  if (v6.startsWith('::ffff:')) return forbiddenForName(v6.slice(7));
  return v6 === '::1' || v6 === '::' || /^fe[89ab]/.test(v6) || v6.startsWith('ff');
}

async function resolveTarget(host: string): Promise<string> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (net.isIP(bare)) return bare;
  const found = await lookup(bare, { all: true });
  const usable = found.find((a) => !forbiddenForName(a.address));
  if (!usable) throw new Error(`${host} resolves only to loopback, link-local or multicast addresses`);
  return usable.address;
}

const MAX_HEAD = 8192;
const CONNECT_TIMEOUT_MS = 10_000;

interface ProxyRequest {
  target: EgressTarget;
  /** CONNECT: null (answered 200, then a raw tunnel). Plain HTTP: the head to send the origin. */
  forward: string | null;
}

/** Proxy-only headers, and the client's wish to keep the connection: the origin gets `close`. */
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization']);

/**
 * `CONNECT host:port` (HTTPS and anything else over a tunnel) or a plain-HTTP request in absolute
 * form (`GET http://host/path`), which is forwarded in origin form with `connection: close` so a
 * client's next request, to whatever host, comes back here on a new connection and is checked.
 */
function parseRequest(head: string): ProxyRequest | null {
  const [line = '', ...headers] = head.split('\r\n');
  const connect = /^CONNECT ([^\s:]+|\[[0-9a-fA-F:.]+\]):(\d{1,5}) HTTP\/1\.[01]$/.exec(line);
  if (connect)
    return { target: { host: (connect[1] ?? '').toLowerCase(), port: Number(connect[2]) }, forward: null };
  const plain = /^([A-Z]{1,20}) (http:\/\/\S+) HTTP\/1\.[01]$/.exec(line);
  if (!plain) return null;
  let url: URL;
  try {
    url = new URL(plain[2] ?? '');
  } catch {
    return null;
  }
  const kept = headers.filter((h) => h && !DROPPED.has(h.slice(0, h.indexOf(':')).trim().toLowerCase()));
  const forward = [`${plain[1]} ${url.pathname}${url.search} HTTP/1.1`, ...kept, 'connection: close', '', ''];
  return {
    target: { host: url.hostname.toLowerCase(), port: url.port ? Number(url.port) : 80 },
    forward: forward.join('\r\n'),
  };
}

function refuse(socket: net.Socket, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}

export interface EgressProxy {
  close(): Promise<void>;
}

/** Listens on `socketPath` (mode 0666: the sandbox may run as another uid) until closed. */
export async function startEgressProxy(
  socketPath: string,
  allow: EgressTarget[],
  onDecision: (d: EgressDecision) => void = () => {},
): Promise<EgressProxy> {
  const open = new Set<net.Socket>();
  const isAllowed = (t: EgressTarget) => allow.some((a) => a.host === t.host && a.port === t.port);

  const tunnel = async (client: net.Socket, { target, forward }: ProxyRequest, rest: Buffer) => {
    let address: string;
    try {
      address = await resolveTarget(target.host);
    } catch (e) {
      onDecision({ ...target, allowed: false, reason: (e as Error).message });
      return refuse(client, '502 Bad Gateway');
    }
    const upstream = net.connect({ host: address, port: target.port, timeout: CONNECT_TIMEOUT_MS });
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    upstream.once('timeout', () => upstream.destroy(new Error('connect timeout')));
    let connected = false;
    upstream.once('error', () => {
      if (connected) client.destroy();
      else refuse(client, '502 Bad Gateway');
    });
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
      onDecision({ ...target, allowed: true });
      if (forward === null) client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      else upstream.write(forward);
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
  };

  const server = net.createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD) refuse(client, '431 Request Header Fields Too Large');
        return;
      }
      client.off('data', onData);
      client.pause();
      const request = parseRequest(head.subarray(0, end).toString('latin1'));
      if (!request) {
        onDecision({ host: '', port: 0, allowed: false, reason: 'not a proxy request' });
        return refuse(client, '405 Method Not Allowed');
      }
      if (!isAllowed(request.target)) {
        onDecision({ ...request.target, allowed: false, reason: 'not in allow_hosts' });
        return refuse(client, '403 Forbidden');
      }
      // Stays paused until the tunnel pipes it, so nothing the client sends early is lost.
      void tunnel(client, request, head.subarray(end + 4));
    };
    client.on('data', onData);
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolveListen());
  });
  await chmod(socketPath, 0o666);

  return {
    close: () =>
      new Promise<void>((done) => {
        for (const s of open) s.destroy();
        server.close(() => done());
      }),
  };
}
