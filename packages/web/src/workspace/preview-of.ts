import type { ChatEvent } from '@parley/sdk';
import { summaryOf } from '../shared/structured-content-model.js';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: ' ' };

/**
 * A one-line preview of a line for the tab list, as plain text: markup is dropped, never rendered
 * (React escapes the result, so whatever is left of it is harmless text).
 */
export function previewOf(event: ChatEvent | undefined): string {
  if (event === undefined) return '';
  if (event.textType === 'rich-content') return `Card: ${summaryOf(event.json)}`;
  let text = event.text ?? '';
  if (event.textType === 'html') {
    text = text
      // Breaks and block ends separate words; inline tags do not ("<b>to</b>day" is one word).
      .replace(/<(?:br|\/p|\/li|\/div)\b[^>]*>/gi, ' ')
      .replace(/<[^>]*>/g, '')
      .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_, name: string) => ENTITIES[name] ?? '');
  }
  return text.replace(/\s+/g, ' ').trim();
}
