import type { FastifyReply } from 'fastify';

/** Waits this long or longer end somewhere in their last tenth (see `heldDeadline`). */
const SPREAD_FROM_MS = 10_000;

/**
 * When a held request with nothing to tell answers (epoch ms). Long-polls that began together —
 * every client after a restart or a failover — would otherwise end together and come back
 * together, a herd of first reads every `wait` seconds on every node at once; a wait of 10 s or
 * more ends at a random point in its last tenth instead, so that the herd spreads out within a
 * few rounds. A client asks again at once either way.
 */
export function heldDeadline(waitSeconds: number, random: () => number = Math.random): number {
  const waitMs = waitSeconds * 1000;
  const spreadMs = waitMs >= SPREAD_FROM_MS ? random() * waitMs * 0.1 : 0;
  return Date.now() + waitMs - spreadMs;
}

/**
 * What a held request (a long-poll) waits on besides its deadline: a wake-up when something it
 * watches changed, the client going away (it stops waiting at once), or the server beginning to
 * close (it answers with what there is instead of holding the shutdown).
 */
export function holdRequest(reply: FastifyReply) {
  let wake: (() => void) | undefined;
  let isStopped = false;
  const stop = () => {
    isStopped = true;
    wake?.();
  };
  reply.raw.once('close', stop);
  const unlistenClosing = reply.server.closing.listen(stop);
  return {
    get stopped(): boolean {
      return isStopped;
    },
    /** Ends the current wait at once. */
    wake: (): void => wake?.(),
    /** Waits until woken, stopped or `deadline` (epoch ms); false at once when it has passed. */
    async until(deadline: number): Promise<boolean> {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || isStopped) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
      return true;
    },
    release(): void {
      unlistenClosing();
      reply.raw.off('close', stop);
    },
  };
}
