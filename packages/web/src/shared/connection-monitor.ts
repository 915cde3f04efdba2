/**
 * Whether Parley answers at all, seen from the `fetch` the SDK is given (one per page: the
 * workspace's or the visitor window's). The SDK retries network errors for up to half a minute per
 * request (platform §6.1) before anything throws; watching its fetch lets the page say
 * "reconnecting" within a second instead. It only observes: every request still goes through the
 * SDK, unchanged.
 */
let isLost = false;
const listeners = new Set<() => void>();

function setLost(value: boolean): void {
  if (isLost === value) return;
  isLost = value;
  for (const listener of listeners) listener();
}

export const connectionMonitor = {
  /** The SDK's `fetch` option: the browser's fetch, noting whether an answer came back. */
  fetch: async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    try {
      const response = await window.fetch(input, init);
      // A proxy's 502/503/504 while Parley restarts is as good as no answer.
      setLost(response.status === 502 || response.status === 503 || response.status === 504);
      return response;
    } catch (error) {
      // An abort is the SDK closing a stream or giving up on a slow request, not a lost server.
      if (init?.signal?.aborted !== true) setLost(true);
      throw error;
    }
  },
  /** Forgets an old failure (a new login starts from a clean slate). */
  reset: (): void => setLost(false),
  subscribe: (listener: () => void): (() => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  isLost: (): boolean => isLost,
};
