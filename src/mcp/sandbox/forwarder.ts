/**
 * Runs inside the sandbox ahead of the server when it may reach named hosts: listens on the
 * sandbox's own loopback (its network namespace has nothing else) and relays every connection to
 * Keel's egress proxy over the Unix socket bound into the sandbox, then starts the server and
 * mirrors its exit. It holds no privilege the server lacks (the socket is visible to both); the
 * allow-list is enforced outside, by Keel. Written to the sandbox's run directory as a file so
 * no build step has to ship it.
 */
export const FORWARDER_SOURCE = `import net from 'node:net';
import { spawn } from 'node:child_process';
const [port, socketPath, ...command] = process.argv.slice(2);
const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.on('error', () => process.exit(70));
server.listen(Number(port), '127.0.0.1', () => {
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit' });
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('error', () => process.exit(127));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
});
`;

/** The loopback port the forwarder listens on inside the sandbox (its namespace is private). */
export const FORWARDER_PORT = 3128;
