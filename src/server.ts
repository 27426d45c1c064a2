import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve as honoServe } from '@hono/node-server';
import type { KeelApp, RunningServer } from './app.types.js';

/** Adapt the Web-standard app to Node's HTTP server. The only file that knows about node:http. */
export function serve(app: KeelApp, opts: { host: string; port: number }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = honoServe(
      { fetch: app.fetch, hostname: opts.host, port: opts.port },
      (info: AddressInfo) => {
        const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
        let closed: Promise<void> | null = null;
        const stopAccepting = (): Promise<void> => {
          closed ??= new Promise<void>((res) => {
            const node = server as Server;
            // A keep-alive socket becomes idle when its last response ends; close it then, instead
            // of holding shutdown open until the socket's idle timeout.
            const sweep = setInterval(() => node.closeIdleConnections(), 100);
            node.close(() => {
              clearInterval(sweep);
              res();
            });
            node.closeIdleConnections();
          });
          return closed;
        };
        resolve({
          url: `http://${host}:${info.port}`,
          port: info.port,
          close: stopAccepting,
          stopAccepting,
          abortConnections: () => (server as Server).closeAllConnections(),
        });
      },
    );
    server.once('error', reject);
    // Longer than common proxies' idle timeout, so a proxy never reuses a socket Keel just closed.
    (server as Server).keepAliveTimeout = 65_000;
  });
}
