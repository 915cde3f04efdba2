import type { FastifyReply, FastifyRequest } from 'fastify';

/** Whether the client asks for Server-Sent Events instead of the legacy representation. */
export const wantsEventStream = (request: FastifyRequest): boolean =>
  (request.headers.accept ?? '').toLowerCase().includes('text/event-stream');

export interface EventStream {
  /** One message: `id`, optional `event` name, and `data` as JSON. */
  send(message: { id?: number; event?: string; data: unknown }): void;
  close(): void;
  readonly closed: boolean;
  onClose(listener: () => void): void;
}

/** How often an idle stream sends a comment, so proxies and clients know it is alive. */
export const KEEP_ALIVE_MS = 15_000;

/**
 * Takes over the response for a Server-Sent Events stream (text/event-stream), keeping the headers
 * the hooks set (CORS, no-cache), and sends a keep-alive comment while nothing else is sent.
 */
export function openEventStream(
  reply: FastifyReply,
  options: { keepAliveMs?: number; onKeepAlive?: () => void } = {},
): EventStream {
  const raw = reply.raw;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  reply.hijack();
  raw.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-store',
    connection: 'keep-alive',
    // Reverse proxies (nginx) must not buffer the stream.
    'x-accel-buffering': 'no',
  });
  raw.write(': stream open\n\n');
  let closed = false;
  const listeners: (() => void)[] = [];
  const keepAlive = setInterval(() => {
    raw.write(': keep-alive\n\n');
    options.onKeepAlive?.();
  }, options.keepAliveMs ?? KEEP_ALIVE_MS);
  const shut = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    for (const listener of listeners) listener();
  };
  raw.once('close', shut);
  // Streams never finish on their own: end them when the server closes (clients resume from their
  // Last-Event-ID), or the close would wait for every client to hang up.
  listeners.push(
    reply.server.closing.listen(() => {
      if (!closed) raw.end();
      shut();
    }),
  );
  return {
    send({ id, event, data }) {
      if (closed) return;
      const lines = [
        ...(id === undefined ? [] : [`id: ${id}`]),
        ...(event === undefined ? [] : [`event: ${event}`]),
        // JSON has no raw newlines, so one data line carries it.
        `data: ${JSON.stringify(data)}`,
      ];
      raw.write(`${lines.join('\n')}\n\n`);
    },
    close() {
      if (closed) return;
      raw.end();
      shut();
    },
    get closed() {
      return closed;
    },
    onClose(listener) {
      listeners.push(listener);
    },
  };
}
