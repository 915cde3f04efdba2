import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * How the proxy treats traffic: `pass` forwards both ways; `black-hole` accepts connections and
 * keeps every socket open but forwards nothing (a partitioned or frozen database); `reset` destroys
 * every socket and refuses new ones (a restart, a failover, a reset by a firewall).
 */
export type ProxyMode = 'pass' | 'black-hole' | 'reset';

export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  mode(): ProxyMode;
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
}

/** A TCP proxy to `target` on its own free port, whose faults the test switches on and off. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let current: ProxyMode = 'pass';
  const pairs = new Set<Pair>();

  const destroy = (pair: Pair): void => {
    // resetAndDestroy sends an RST, as a failing network or a restarted server does.
    pair.client.resetAndDestroy();
    pair.upstream?.resetAndDestroy();
    pairs.delete(pair);
  };

  const forward = (pair: Pair, upstream: Socket): void => {
    const relay = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        // A black hole swallows whatever arrives on connections it already holds.
        if (current === 'pass') to.write(chunk);
      });
    relay(pair.client, upstream);
    relay(upstream, pair.client);
  };

  const server: Server = createServer((client) => {
    const pair: Pair = { client, upstream: undefined };
    client.on('error', () => destroy(pair));
    client.on('close', () => destroy(pair));
    if (current === 'reset') {
      client.resetAndDestroy();
      return;
    }
    pairs.add(pair);
    if (current === 'black-hole') {
      // Accepted and held open; bytes are read and dropped, none is answered.
      client.on('data', () => undefined);
      return;
    }
    const upstream = createConnection(target);
    pair.upstream = upstream;
    upstream.on('error', () => destroy(pair));
    upstream.on('close', () => destroy(pair));
    forward(pair, upstream);
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');

  return {
    port: address.port,
    mode: () => current,
    setMode(mode) {
      current = mode;
      if (mode === 'reset') for (const pair of [...pairs]) destroy(pair);
    },
    async close() {
      for (const pair of [...pairs]) destroy(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
