import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EgressDecision, parseAllowHosts, startEgressProxy } from './egress.js';
import { bwrapMissing, removeScratch, runNodeScript, scratchDir } from './testkit.js';

/** Loopback servers of the host: a TCP and an HTTP one the allow-list names, one it does not. */
let allowed: net.Server;
let other: net.Server;
let web: http.Server;
let allowedPort = 0;
let otherPort = 0;
let webPort = 0;
let otherAccepted = 0;

function listen(onConnection: (s: net.Socket) => void): Promise<[net.Server, number]> {
  const server = net.createServer(onConnection);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve([server, (server.address() as net.AddressInfo).port])),
  );
}

beforeAll(async () => {
  [allowed, allowedPort] = await listen((s) => s.end('hello from the allowed host'));
  [other, otherPort] = await listen((s) => {
    otherAccepted++;
    s.end('should never be read');
  });
  web = http.createServer((req, res) =>
    res.end(`${req.method} ${req.url} connection=${req.headers.connection}`),
  );
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  webPort = (web.address() as net.AddressInfo).port;
});

afterAll(() => {
  allowed.close();
  other.close();
  web.close();
  removeScratch();
});

/** Sends one request head to the proxy socket and returns everything it answers until it closes. */
function ask(socketPath: string, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath, () => s.write(head));
    let got = '';
    s.on('data', (c: Buffer) => {
      got += c.toString();
    });
    s.on('close', () => resolve(got));
    s.on('error', reject);
  });
}

const connect = (target: string) => `CONNECT ${target} HTTP/1.1\r\nhost: ${target}\r\n\r\n`;

describe('egress proxy', () => {
  it('parses allow_hosts with 443 as the default port', () => {
    expect(parseAllowHosts(['API.example.com', 'example.org:8443'])).toEqual([
      { host: 'api.example.com', port: 443 },
      { host: 'example.org', port: 8443 },
    ]);
  });

  it('tunnels to an allowed host:port and refuses every other port, name or method', async () => {
    const socketPath = join(scratchDir(), 'egress.sock');
    const decisions: EgressDecision[] = [];
    const proxy = await startEgressProxy(
      socketPath,
      parseAllowHosts([`127.0.0.1:${allowedPort}`, `localhost:${otherPort}`, `127.0.0.1:${webPort}`]),
      (d) => decisions.push(d),
    );
    try {
      const ok = await ask(socketPath, connect(`127.0.0.1:${allowedPort}`));
      expect(ok).toBe('HTTP/1.1 200 Connection Established\r\n\r\nhello from the allowed host');
      expect(await ask(socketPath, connect(`127.0.0.1:${otherPort}`))).toMatch(/^HTTP\/1\.1 403 /);
      // Allowed by name, but the name leads to loopback: a name never reaches Keel's own host.
      expect(await ask(socketPath, connect(`localhost:${otherPort}`))).toMatch(/^HTTP\/1\.1 502 /);
      // Plain HTTP in absolute form is forwarded in origin form, and the connection ends with it.
      const get = (port: number) =>
        `GET http://127.0.0.1:${port}/report?q=1 HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nproxy-connection: keep-alive\r\n\r\n`;
      const answer = await ask(socketPath, get(webPort));
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect(answer.endsWith('GET /report?q=1 connection=close')).toBe(true);
      expect(await ask(socketPath, get(otherPort))).toMatch(/^HTTP\/1\.1 403 /);
      expect(await ask(socketPath, 'GET /report HTTP/1.1\r\nhost: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 405 /);
      expect(otherAccepted).toBe(0);
      expect(decisions.map((d) => [d.port, d.allowed])).toEqual([
        [allowedPort, true],
        [otherPort, false],
        [otherPort, false],
        [webPort, true],
        [otherPort, false],
        [0, false],
      ]);
    } finally {
      await proxy.close();
    }
  });
});

describe.skipIf(bwrapMissing)(`egress from the sandbox${bwrapMissing ? ` (${bwrapMissing})` : ''}`, () => {
  it('reaches an allowed host:port through the proxy only, and nothing else', async () => {
    const decisions: EgressDecision[] = [];
    const r = await runNodeScript(
      `import http from 'node:http';
      import net from 'node:net';
      const proxy = new URL(process.env.HTTPS_PROXY);
      const via = (target) => new Promise((resolve) => {
        const s = net.connect(Number(proxy.port), proxy.hostname, () => s.write('CONNECT ' + target + ' HTTP/1.1\\r\\n\\r\\n'));
        let got = '';
        s.on('data', (c) => { got += c; });
        s.on('close', () => resolve(got));
        s.on('error', (e) => resolve(e.code));
      });
      const direct = (port) => new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        s.on('connect', () => { s.destroy(); resolve('connected'); });
        s.on('error', (e) => resolve(e.code));
      });
      const plain = () => new Promise((resolve) => {
        const u = new URL(process.env.HTTP_PROXY);
        http.get({ host: u.hostname, port: u.port, path: 'http://127.0.0.1:${webPort}/status' }, (res) => {
          let body = '';
          res.on('data', (c) => { body += c; });
          res.on('end', () => resolve(res.statusCode + ' ' + body));
        }).on('error', (e) => resolve(e.code));
      });
      console.log(JSON.stringify({
        allowed: await via('127.0.0.1:${allowedPort}'),
        plain: await plain(),
        otherPort: await via('127.0.0.1:${otherPort}'),
        direct: await direct(${allowedPort}),
        env: [process.env.HTTP_PROXY, process.env.https_proxy, process.env.NODE_USE_ENV_PROXY],
      }));`,
      { sandbox: { allow_hosts: [`127.0.0.1:${allowedPort}`, `127.0.0.1:${webPort}`] } },
      { onEgress: (_server, d) => decisions.push(d) },
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out.allowed).toBe('HTTP/1.1 200 Connection Established\r\n\r\nhello from the allowed host');
    expect(out.plain).toBe('200 GET /status connection=close');
    expect(out.otherPort).toMatch(/^HTTP\/1\.1 403 /);
    expect(out.direct).toBe('ECONNREFUSED');
    expect(out.env).toEqual(['http://127.0.0.1:3128', 'http://127.0.0.1:3128', '1']);
    expect(otherAccepted).toBe(0);
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, false]);
  });
});
