import { useEffect, useState } from 'react';

/**
 * The time now (epoch ms), moving every `intervalMs` while `isActive`, so that a wait shown beside
 * a ring counts up; no timer runs while nothing needs it.
 */
export function useNow(isActive: boolean, intervalMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!isActive) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [isActive, intervalMs]);
  return now;
}
