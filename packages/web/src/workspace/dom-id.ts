/** An element id for a chat: chat ids may hold characters that are awkward in ids and selectors. */
export function domId(prefix: string, chatId: string): string {
  return `${prefix}-${chatId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}
