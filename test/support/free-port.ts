import { createServer } from 'node:net';

/**
 * A loopback TCP port nobody listens on right now, for a process that needs its port known before
 * it starts (a cluster node HAProxy names, a Redis that restarts on the same port).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
