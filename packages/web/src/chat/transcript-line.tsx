import type { ChatEvent } from '@parley/sdk';
import { LineText, lineKind, timeOf } from '../shared/chat-lines.js';

interface TranscriptLineProps {
  line: ChatEvent;
  isFirstOfGroup: boolean;
  isLastOfGroup: boolean;
  onPublish?: ((text: string) => void) | undefined;
  isLatest?: boolean;
}

/** One line: a bubble for the visitor (right) or the agent (left), a small centred note for the system. */
export function TranscriptLine({
  line,
  isFirstOfGroup,
  isLastOfGroup,
  onPublish,
  isLatest = true,
}: TranscriptLineProps) {
  const kind = lineKind(line);
  const time = timeOf(line);
  if (kind === 'system') {
    return (
      <p className="line line-system" dir="auto">
        <LineText event={line} />
        {time !== '' && (
          <time className="line-time" dateTime={line.time}>
            {time}
          </time>
        )}
      </p>
    );
  }
  const author = kind === 'visitor' ? 'You' : (line.by ?? 'Agent');
  return (
    <div className={`line line-${kind}${isFirstOfGroup ? ' first' : ''}${isLastOfGroup ? ' last' : ''}`}>
      {kind === 'agent' && isFirstOfGroup ? (
        <span className="line-by">{author}</span>
      ) : (
        // Screen readers hear who wrote every line, even where the name is not shown.
        <span className="visually-hidden">{author}: </span>
      )}
      <div
        className={
          line.textType === 'html' ? 'bubble bubble-html' : line.textType === 'rich-content' ? 'bubble-card' : 'bubble'
        }
      >
        {/* The line's text says its own direction (dir="auto" in LineText): Arabic or Hebrew runs right to left. */}
        <LineText event={line} onPublish={onPublish} hasQuickReplies={isLatest} />
      </div>
      {isLastOfGroup && time !== '' && (
        <time className="line-time" dateTime={line.time}>
          {time}
        </time>
      )}
    </div>
  );
}

/** A line of the visitor's own still on its way: "Sending…", or "Not sent yet" while Parley is away. */
export function PendingTranscriptLine({ text, isDelayed }: { text: string; isDelayed: boolean }) {
  return (
    <div className="line line-visitor pending first last">
      <span className="visually-hidden">You: </span>
      <div className="bubble" dir="auto">
        {text}
      </div>
      <span className="line-time line-status">{isDelayed ? 'Not sent yet' : 'Sending…'}</span>
    </div>
  );
}
