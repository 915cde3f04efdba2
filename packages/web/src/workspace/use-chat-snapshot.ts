import { useSyncExternalStore } from 'react';
import type { ChatSession, ChatSnapshot } from './chat-session.js';

/** A chat session's current state; the component re-renders when it changes. */
export function useChatSnapshot(session: ChatSession): ChatSnapshot {
  return useSyncExternalStore(session.subscribe, session.getSnapshot);
}
