import { useEffect, useState } from 'react';
import type { ChatSession } from './chat-session.js';

/** Unread lines over every open chat, kept current as each chat's count changes. */
export function useUnreadTotal(sessions: readonly ChatSession[]): number {
  const [total, setTotal] = useState(0);
  useEffect(() => {
    const count = () => setTotal(sessions.reduce((sum, session) => sum + session.getSnapshot().unread, 0));
    count();
    const unsubscribes = sessions.map((session) => session.subscribe(count));
    return () => {
      for (const unsubscribe of unsubscribes) unsubscribe();
    };
  }, [sessions]);
  return total;
}
