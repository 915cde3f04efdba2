import type { FastifyReply } from 'fastify';

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
