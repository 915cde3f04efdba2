/**
 * The visitor's lines not yet stored by the server, kept in the tab's sessionStorage per chat, so a
 * reload during an outage does not lose them: the reloaded window sends them with the same keys
 * (a line the server had stored before its answer was lost is then not stored again).
 */
export interface UnsentLine {
  text: string;
  /** Its Idempotency-Key. */
  key: string;
}

const keyOf = (chatId: string) => `parley.unsent.${chatId}`;

export function loadUnsentLines(chatId: string): UnsentLine[] {
  try {
    const saved: unknown = JSON.parse(sessionStorage.getItem(keyOf(chatId)) ?? '[]');
    if (!Array.isArray(saved)) return [];
    return saved.flatMap((line: unknown) =>
      typeof line === 'object' &&
      line !== null &&
      'text' in line &&
      typeof line.text === 'string' &&
      'key' in line &&
      typeof line.key === 'string'
        ? [{ text: line.text, key: line.key }]
        : [],
    );
  } catch {
    return [];
  }
}

export function saveUnsentLines(chatId: string, lines: readonly UnsentLine[]): void {
  try {
    if (lines.length === 0) sessionStorage.removeItem(keyOf(chatId));
    else sessionStorage.setItem(keyOf(chatId), JSON.stringify(lines));
  } catch {
    // Storage blocked (a frame on a foreign site): the lines last as long as the page.
  }
}
