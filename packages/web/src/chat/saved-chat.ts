/** The chat this tab has open, so that a reload picks it up again instead of losing it. */
export interface SavedChat {
  chatId: string;
  skill: string | undefined;
}

const keyOf = (accountId: string) => `parley.chat.${accountId}`;

// sessionStorage: one chat per tab, forgotten with the tab. Storage may be blocked in a frame on a
// foreign site (third-party storage rules); the chat then lasts as long as the page.
export function loadSavedChat(accountId: string): SavedChat | undefined {
  try {
    const saved: unknown = JSON.parse(sessionStorage.getItem(keyOf(accountId)) ?? 'null');
    if (typeof saved !== 'object' || saved === null || !('chatId' in saved) || typeof saved.chatId !== 'string') {
      return undefined;
    }
    const skill = 'skill' in saved && typeof saved.skill === 'string' ? saved.skill : undefined;
    return { chatId: saved.chatId, skill };
  } catch {
    return undefined;
  }
}

export function saveChat(accountId: string, chat: SavedChat): void {
  try {
    sessionStorage.setItem(keyOf(accountId), JSON.stringify(chat));
  } catch {
    // Not kept: a reload starts over.
  }
}

export function forgetChat(accountId: string): void {
  try {
    sessionStorage.removeItem(keyOf(accountId));
  } catch {
    // Nothing was kept.
  }
}
