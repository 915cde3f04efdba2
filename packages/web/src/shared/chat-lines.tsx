import type { ChatEvent } from '@parley/sdk';
import { sanitizeHtml } from './safe-html.js';
import { StructuredContent } from './structured-content.js';

export type LineKind = 'agent' | 'visitor' | 'system';

/** Who a line is from, by its `source` (the field clients switch on, chat-agent-api §3.14). */
export function lineKind(event: ChatEvent): LineKind {
  if (event.source === 'agent') return 'agent';
  if (event.source === 'visitor') return 'visitor';
  return 'system';
}

/**
 * The text of a line: plain text as text, HTML sanitised, structured content as a card whose
 * publish-text buttons call `onPublish` (absent: they are shown but do nothing).
 */
export function LineText({
  event,
  onPublish,
  hasQuickReplies,
}: {
  event: ChatEvent;
  onPublish?: ((text: string) => void) | undefined;
  hasQuickReplies?: boolean | undefined;
}) {
  if (event.textType === 'html') {
    return (
      <span className="line-text" dir="auto" dangerouslySetInnerHTML={{ __html: sanitizeHtml(event.text ?? '') }} />
    );
  }
  if (event.textType === 'rich-content') {
    // A server that sent no template: say so rather than draw an empty bubble.
    if (typeof event.json !== 'object' || event.json === null) return <span className="line-text">[rich content]</span>;
    return <StructuredContent json={event.json} onPublish={onPublish} hasQuickReplies={hasQuickReplies ?? true} />;
  }
  // dir="auto": an Arabic or Hebrew line is laid out right to left, whatever the page's direction.
  return (
    <span className="line-text" dir="auto">
      {event.text ?? ''}
    </span>
  );
}

/** A clock time for a line, in the browser's time zone. */
export function timeOf(event: ChatEvent): string {
  const date = new Date(event.time);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
