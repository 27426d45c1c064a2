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
        resolve({
          url: `http://${host}:${info.port}`,
          port: info.port,
          close: () =>
            new Promise<void>((res) => {
              server.close(() => res());
              // Idle keep-alive sockets would otherwise hold close() open until they time out.
              (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
            }),
        });
      },
    );
    server.once('error', reject);
    // Longer than common proxies' idle timeout, so a proxy never reuses a socket Keel just closed.
    (server as Server).keepAliveTimeout = 65_000;
  });
}
