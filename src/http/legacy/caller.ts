import type { FastifyRequest } from 'fastify';

/**
 * Where an API's authentication hook leaves the caller it found, for that API's handlers to read
 * (mount-api.ts runs the hook before every handler of the API's resources). Each API has its own
 * slot with its own type, so a handler cannot read another API's kind of caller.
 */
export interface CallerSlot<C> {
  set(request: FastifyRequest, caller: C): void;
  /** The caller; a handler outside the hook's API asking for it is a programming error (500). */
  of(request: FastifyRequest): C;
}

export function callerSlot<C>(kind: string): CallerSlot<C> {
  const callers = new WeakMap<FastifyRequest, C>();
  return {
    set: (request, caller) => void callers.set(request, caller),
    of(request) {
      if (!callers.has(request)) throw new Error(`No ${kind} on this request: its route is not authenticated as one`);
      return callers.get(request) as C;
    },
  };
}
