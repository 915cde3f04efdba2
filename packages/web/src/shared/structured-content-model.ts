/**
 * The pure parts of structured content in the apps (no DOM, no styles): reading a template as a
 * foreign server may send it, and building the card the workspace's card composer sends.
 */

export type Json = Record<string, unknown>;

export const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A list, where a server mapping XML gives a list of one as a bare object. */
export const listOf = (value: unknown): Json[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(isRecord);

export const textOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** An absolute https address, or undefined: never `javascript:`, `data:` or plain http. */
export function httpsUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2048) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** A one-line summary of a template for previews: its first text or title, else "Card". */
export function summaryOf(json: unknown): string {
  const queue: unknown[] = [json];
  for (let seen = 0; queue.length > 0 && seen < 200; seen += 1) {
    const next = queue.shift();
    if (!isRecord(next)) continue;
    const text = next.type === 'text' ? textOf(next.text) : next.type === 'button' ? textOf(next.title) : undefined;
    if (text !== undefined && text.trim() !== '') return text.trim();
    queue.push(...listOf(next.elements));
  }
  return 'Card';
}

/** One button of the card composer: its label and what it does (a reply the visitor sends, or a link). */
export interface CardButtonDraft {
  label: string;
  kind: 'reply' | 'link';
  /** The reply's text (the label when empty), or the link's https address. */
  value: string;
}

/** What the card composer holds. */
export interface CardDraft {
  title: string;
  text: string;
  imageUrl: string;
  buttons: CardButtonDraft[];
}

export const emptyCardDraft = (): CardDraft => ({ title: '', text: '', imageUrl: '', buttons: [] });

/**
 * The template for a draft (image, bold title, text, buttons; empty parts left out), or what is
 * wrong with it, said as the composer shows it. The server checks again; this only spares a refusal.
 */
export function buildCard(draft: CardDraft): { json: Json } | { problem: string } {
  const elements: Json[] = [];
  const imageUrl = draft.imageUrl.trim();
  if (imageUrl !== '') {
    const url = httpsUrl(imageUrl);
    if (url === undefined) return { problem: 'The image address must start with https://' };
    elements.push({ type: 'image', url: imageUrl });
  }
  const title = draft.title.trim();
  if (title !== '') elements.push({ type: 'text', text: title, style: { bold: true, size: 'large' } });
  const text = draft.text.trim();
  if (text !== '') elements.push({ type: 'text', text });
  for (const [index, button] of draft.buttons.entries()) {
    const label = button.label.trim();
    if (label === '') return { problem: `Button ${index + 1} needs a label` };
    const value = button.value.trim();
    if (button.kind === 'link') {
      if (httpsUrl(value) === undefined) return { problem: `Button ${index + 1}: the link must start with https://` };
      elements.push({ type: 'button', title: label, click: { actions: [{ type: 'link', name: label, uri: value }] } });
    } else {
      elements.push({
        type: 'button',
        title: label,
        click: { actions: [{ type: 'publishText', text: value === '' ? label : value }] },
      });
    }
  }
  if (elements.length === 0) return { problem: 'A card needs a title, a text, an image or a button' };
  return { json: { type: 'vertical', elements } };
}
