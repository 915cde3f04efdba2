import type { ChatEvent } from '@parley/sdk';
import { lineKind } from '../shared/chat-lines.js';
import { PendingTranscriptLine, TranscriptLine } from './transcript-line.js';
import type { PendingLine } from './use-outbox.js';

/** Whether two lines come from the same person, so the second joins the first's group. */
function isSameAuthor(a: ChatEvent | undefined, b: ChatEvent | undefined): boolean {
  return a !== undefined && b !== undefined && lineKind(a) === lineKind(b) && lineKind(a) !== 'system' && a.by === b.by;
}

/**
 * The chat's lines as a log (new lines are announced politely). Consecutive lines of one author are
 * grouped as messengers do: the name above the first, the time under the last.
 */
export function Transcript({
  lines,
  pending = [],
  isDelayed = false,
  onPublish,
}: {
  lines: ChatEvent[];
  /** The visitor's lines on their way, after the rest. */
  pending?: readonly PendingLine[];
  /** Parley does not answer: pending lines say "Not sent yet". */
  isDelayed?: boolean;
  /** Sends a card button's text as the visitor's line; absent while no agent can read it. */
  onPublish?: ((text: string) => void) | undefined;
}) {
  return (
    <div className="transcript" role="log" aria-label="Transcript">
      {lines.map((line, index) => (
        <TranscriptLine
          key={line.id}
          line={line}
          onPublish={onPublish}
          // Quick replies belong to the last line: once anyone writes on, they are gone.
          isLatest={index === lines.length - 1}
          isFirstOfGroup={!isSameAuthor(lines[index - 1], line)}
          isLastOfGroup={!isSameAuthor(line, lines[index + 1])}
        />
      ))}
      {pending.map((line) => (
        <PendingTranscriptLine
          key={`pending-${line.id}`}
          text={line.text}
          isDelayed={isDelayed || line.status === 'waiting'}
        />
      ))}
    </div>
  );
}
