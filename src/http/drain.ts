import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ErrorCode, UNAVAILABLE_RETRY_AFTER_MS } from '../core/errors.js';
import { settlesWithin } from '../core/with-deadline.js';

/** After the deadline, how long the 503s of cut requests get to reach their clients. */
const CUT_GRACE_MS = 1_000;
const HEALTH_PATH = '/health';

interface Tracked {
  inFlight: Set<InFlight>;
  /** Open connections: those that never sent a byte are not idle to Node, which times their headers. */
  connections: Set<Socket>;
}

interface InFlight {
  reply: FastifyReply;
  /** Its handler has begun, so it may change something: it is never answered 503 by the drain. */
  hasStarted: boolean;
}

const trackedOf = new WeakMap<FastifyInstance, Tracked>();

const shuttingDown = () =>
  new AppError(ErrorCode.UNAVAILABLE, 'The server is shutting down; try again', {
    retryAfterMs: UNAVAILABLE_RETRY_AFTER_MS,
  });

/**
 * The request side of a graceful shutdown (docs/adr/0006-graceful-drain.md): tracks the requests in
 * flight; once the server closes, refuses new ones (all but /health, which says `draining`) with 503
 * and `Retry-After`, and makes every response say `Connection: close` and leave no socket behind.
 */
export function registerDrain(app: FastifyInstance): void {
  const inFlight = new Set<InFlight>();
  const connections = new Set<Socket>();
  trackedOf.set(app, { inFlight, connections });
  app.server.on('connection', (socket: Socket) => {
    // Accepted as the listener closes: nothing of it has been read, so a reset loses nothing.
    if (app.closing.isClosing) return void socket.destroy();
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  const entries = new WeakMap<FastifyRequest, InFlight>();

  // Callback hooks rather than async ones: they run on every request, and each async hook costs a
  // promise and a turn of the microtask queue.
  app.addHook('onRequest', (request, reply, done) => {
    // A request on a connection that was busy when the drain began: nothing of it has run yet. A
    // preflight is still answered (it changes nothing), or the browser could not read that 503.
    const isExempt = request.routeOptions.url === HEALTH_PATH || request.method === 'OPTIONS';
    if (app.closing.isClosing && !isExempt) return done(shuttingDown());
    const entry: InFlight = { reply, hasStarted: false };
    inFlight.add(entry);
    entries.set(request, entry);
    const socket = request.raw.socket;
    reply.raw.once('close', () => {
      inFlight.delete(entry);
      // A stream's headers went out before the drain and said keep-alive: end its socket too.
      if (app.closing.isClosing) socket.end();
    });
    done();
  });

  // The last moment a request can be refused without doubt: after this its handler runs.
  app.addHook('preHandler', (request, _reply, done) => {
    const entry = entries.get(request);
    if (entry !== undefined) entry.hasStarted = true;
    done();
  });

  app.addHook('onSend', (_request, reply, payload, done) => {
    if (app.closing.isClosing) reply.header('Connection', 'close');
    done(null, payload);
  });
}

/**
 * Drains and closes the app: `/health` says draining and streams and long-polls end at once, the
 * listener and idle sockets close, requests in flight get until `deadlineMs` to finish. Then those
 * whose handler has not begun (a body still arriving) answer 503 with `Retry-After`, and every
 * socket left is destroyed a moment later.
 */
export async function drainAndClose(app: FastifyInstance, deadlineMs: number): Promise<void> {
  const { inFlight, connections } = trackedOf.get(app) ?? { inFlight: new Set<InFlight>(), connections: new Set() };
  app.closing.begin();
  app.log.info({ inFlight: inFlight.size, deadlineMs }, 'draining');
  const closed = app.close();
  // Node closes idle keep-alive sockets itself; a connection that has sent nothing yet (a browser's
  // preconnect) it would keep until the deadline. Over TLS the handshake has been read: those wait.
  for (const socket of connections) if (socket.bytesRead === 0) socket.destroy();
  if (await settlesWithin(closed, deadlineMs)) return;

  const unstarted = [...inFlight].filter((entry) => !entry.hasStarted && !entry.reply.sent);
  app.log.warn(
    { refused: unstarted.length, abandoned: inFlight.size - unstarted.length },
    'drain deadline passed: refusing requests not yet begun, closing every connection',
  );
  await settlesWithin(Promise.all(unstarted.map(refuse)), CUT_GRACE_MS);
  app.server.closeAllConnections();
  await closed;
}

/** Answers a request whose handler has not begun with 503; resolves once its response is gone. */
function refuse({ reply }: InFlight): Promise<void> {
  return new Promise((resolve) => {
    reply.raw.once('close', () => resolve());
    // The error handler renders it: the envelope of the request's API, Retry-After.
    reply.header('Connection', 'close').send(shuttingDown());
  });
}
