import { useEffect, useRef, useSyncExternalStore } from 'react';

const onVisibilityChange = (listener: () => void): (() => void) => {
  document.addEventListener('visibilitychange', listener);
  return () => document.removeEventListener('visibilitychange', listener);
};
const isPageVisible = (): boolean => document.visibilityState !== 'hidden';

/**
 * Calls `poll` now and then `intervalMs` after each answer while `isActive`: one request at a time,
 * however slow the server (the SDK may be retrying), and none once the component is gone. A hidden
 * page does not poll (nobody sees the answers); it polls at once when it is shown again.
 */
export function usePolling(isActive: boolean, intervalMs: number, poll: (signal: AbortSignal) => Promise<void>): void {
  const isVisible = useSyncExternalStore(onVisibilityChange, isPageVisible);
  // The latest callback, without restarting the loop each render.
  const latest = useRef(poll);
  useEffect(() => {
    latest.current = poll;
  });

  useEffect(() => {
    if (!isActive || !isVisible) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        await latest.current(controller.signal);
      } catch {
        // Polled values are advisory (typing, wait estimate): a failed read waits for the next one.
      }
      if (!controller.signal.aborted) timer = setTimeout(() => void tick(), intervalMs);
    };
    void tick();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [isActive, isVisible, intervalMs]);
}
