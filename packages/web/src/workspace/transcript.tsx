import { useEffect, useLayoutEffect, useRef } from 'react';
import type { ChatEvent } from '@parley/sdk';
import { TranscriptLine } from './transcript-line.js';

/** How close to the bottom still counts as "reading the latest lines". */
const STICKY_PX = 80;

/**
 * The chat's lines as a log (new lines are announced). It follows new lines while the agent is at
 * the bottom, and leaves the scroll alone while they read further up.
 */
interface TranscriptProps {
  events: readonly ChatEvent[];
  myName: string | undefined;
  /** Puts a suggestion's reply in the composer; absent where this agent cannot send it (not the holder). */
  onUseReply?: ((reply: string) => void) | undefined;
}

export function Transcript({ events, myName, onUseReply }: TranscriptProps) {
  const box = useRef<HTMLDivElement>(null);
  const isAtBottom = useRef(true);

  useLayoutEffect(() => {
    const element = box.current;
    if (element !== null && isAtBottom.current) element.scrollTop = element.scrollHeight;
  }, [events]);

  // The box shrinks when the wrap-up survey or an error appears below it: stay at the bottom then too.
  useEffect(() => {
    const element = box.current;
    if (element === null || typeof ResizeObserver !== 'function') return;
    const observer = new ResizeObserver(() => {
      if (isAtBottom.current) element.scrollTop = element.scrollHeight;
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const onScroll = () => {
    const element = box.current;
    if (element === null) return;
    isAtBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < STICKY_PX;
  };

  const shown = events.filter(isShown);
  return (
    <div ref={box} className="transcript" role="log" aria-label="Transcript" tabIndex={0} onScroll={onScroll}>
      {shown.length === 0 ? (
        <p className="transcript-empty">Loading the conversation…</p>
      ) : (
        shown.map((event) => <TranscriptLine key={event.id} event={event} myName={myName} onUseReply={onUseReply} />)
      )}
    </div>
  );
}

/**
 * Lines, who came and went (participant events), and the end of the chat; other state changes are
 * told by the system lines around them.
 */
const isShown = (event: ChatEvent): boolean =>
  event.type === 'line' || event.type === 'participant' || event.state === 'ended';
