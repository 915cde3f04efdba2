import type { Chat } from './chat-model.js';

/**
 * How long a "typing" flag holds without being renewed (docs/LEGACY-QUIRKS.md). A client that
 * goes away mid-word (a reload, a closed tab) never says "not-typing"; without an expiry the other
 * side would read "typing" until the chat ends. The web apps renew it every few seconds while
 * keystrokes continue (packages/web/src/shared/use-typing-signal.ts).
 */
export const TYPING_TTL_MS = 10_000;

/** Whether a flag set at `setAt` (null: never, or before times were kept) still holds at `now`. */
const isRenewed = (setAt: number | null | undefined, now: number): boolean =>
  setAt != null && now - setAt < TYPING_TTL_MS;

/**
 * The chat with each typing flag as it reads at `now`: one not renewed within TYPING_TTL_MS reads
 * as not typing. Every read path of the chat goes through it, so both APIs agree.
 */
export function withCurrentTyping(chat: Chat, now: number): Chat {
  const agentTyping = chat.agentTyping && isRenewed(chat.agentTypingAt, now);
  const visitorTyping = chat.visitorTyping && isRenewed(chat.visitorTypingAt, now);
  if (agentTyping === chat.agentTyping && visitorTyping === chat.visitorTyping) return chat;
  return { ...chat, agentTyping, visitorTyping };
}
