/**
 * A tiny local HTTP upstream for adapter tests (listens on 127.0.0.1, port 0). Not used at runtime.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Remote port of the client socket: equal ports mean a reused keep-alive connection. */
  remotePort: number | undefined;
}

export type FakeHandler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeUpstream {
  url: string;
  requests: RecordedRequest[];
  /** Replace the handler for the following requests. */
  handle(h: FakeHandler): void;
  close(): Promise<void>;
}

export async function startFakeUpstream(handler: FakeHandler): Promise<FakeUpstream> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const rec: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(parts).toString('utf8'),
        remotePort: req.socket.remotePort,
      };
      requests.push(rec);
      Promise.resolve(current(rec, res)).catch((err: unknown) => {
        res.destroy(err instanceof Error ? err : new Error(String(err)));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(h) {
      current = h;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Writes SSE frames (`data: …\n\n`) for each item; strings are sent verbatim as data. */
export function sendSSE(res: ServerResponse, items: unknown[], opts: { done?: boolean; cut?: boolean } = {}) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const it of items) res.write(`data: ${typeof it === 'string' ? it : JSON.stringify(it)}\n\n`);
  if (opts.cut) {
    // Drop the connection without the chunked terminator, once the frames have been flushed: what
    // a crashed upstream looks like.
    setTimeout(() => res.socket?.destroy(), 30);
    return;
  }
  if (opts.done !== false) res.write('data: [DONE]\n\n');
  res.end();
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}
