import { useEffect, useRef, useState } from 'react';
import type { ChatEvent } from '@parley/sdk';

/**
 * The messages between this window and embed.js. The host page's origin is unknown here (the page
 * is served with `Referrer-Policy: no-referrer`), hence `*` when posting; the messages carry nothing
 * private, and embed.js accepts them only from its own frame and Parley's origin. This side accepts
 * only what its parent window posts.
 */
export const CLOSE_MESSAGE = 'parley:close';
/** To embed.js: how many agent lines arrived while the frame was hidden (its launcher's badge). */
export const UNREAD_MESSAGE = 'parley:unread';
/** From embed.js: whether the frame is shown (`{ type, isShown }`). */
export const SHOWN_MESSAGE = 'parley:shown';

/** Asks embed.js to close the frame this window is in. */
export function requestClose(): void {
  window.parent.postMessage({ type: CLOSE_MESSAGE }, '*');
}

/** Whether embed.js shows the frame: true until it says otherwise (the frame opens shown). */
function useIsShown(isEmbedded: boolean): boolean {
  const [isShown, setIsShown] = useState(true);
  useEffect(() => {
    if (!isEmbedded) return;
    const onMessage = (event: MessageEvent) => {
      if (event.source !== window.parent) return;
      const data: unknown = event.data;
      if (typeof data !== 'object' || data === null || !('type' in data) || data.type !== SHOWN_MESSAGE) return;
      setIsShown('isShown' in data && data.isShown === true);
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, [isEmbedded]);
  return isShown;
}

/**
 * Tells embed.js how many agent lines the visitor has not seen: those that arrived while the frame
 * was hidden. Lines there while it was shown (the history, once the frame opens) count as seen.
 */
export function useUnreadReport(lines: readonly ChatEvent[], isEmbedded: boolean): void {
  const isShown = useIsShown(isEmbedded);
  const seenUpTo = useRef(-1);
  const reported = useRef(0);
  useEffect(() => {
    if (!isEmbedded) return;
    const agentLines = lines.filter((line) => line.source === 'agent');
    if (isShown) seenUpTo.current = Math.max(seenUpTo.current, ...agentLines.map((line) => line.id));
    const unread = isShown ? 0 : agentLines.filter((line) => line.id > seenUpTo.current).length;
    if (unread === reported.current) return;
    reported.current = unread;
    window.parent.postMessage({ type: UNREAD_MESSAGE, count: unread }, '*');
  }, [lines, isShown, isEmbedded]);
}

/** Escape closes the frame, as it closes any dialog (only when embedded: a page of its own stays). */
export function useEscapeCloses(isEmbedded: boolean): void {
  useEffect(() => {
    if (!isEmbedded) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented && !event.isComposing) requestClose();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [isEmbedded]);
}
