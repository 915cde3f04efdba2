import type { ChatEvent } from '@parley/sdk';
import { LineText, lineKind, timeOf } from '../shared/chat-lines.js';
import { participantNotice, roleName } from './participants.js';
import { realVisitorName } from './visitor-name.js';

interface TranscriptLineProps {
  event: ChatEvent;
  myName: string | undefined;
  /** Puts a suggested reply in the composer; absent when this agent does not hold the chat. */
  onUseReply?: ((reply: string) => void) | undefined;
}

/**
 * One event of the transcript: a visitor, agent or system line, an agent-only note (a transfer note,
 * a tip, a whisper, a suggestion), who joined or left, or the end.
 */
export function TranscriptLine({ event, myName, onUseReply }: TranscriptLineProps) {
  const time = timeOf(event);
  if (event.type === 'state') {
    return (
      <div className="line line-divider">
        <span>Chat ended{time === '' ? '' : ` · ${time}`}</span>
      </div>
    );
  }
  const notice = participantNotice(event);
  if (notice !== undefined) {
    // Participant events are agent-only (the visitor never receives them): a small note, not a bubble.
    return (
      <div className="line line-system line-notice">
        <span className="line-text" dir="auto">
          {notice}
        </span>
        <span className="visually-hidden"> (only agents see this)</span>
        {time !== '' && <time dateTime={event.time}>{time}</time>}
      </div>
    );
  }
  const kind = lineKind(event);
  // Transfer notes, tips and whispers (ONLY_TO_REP): the visitor never sees them (chat-agent-api §3.23).
  const isAgentOnly = event.subType === 'ONLY_TO_REP';
  if (kind === 'system' && !isAgentOnly) {
    return (
      <div className="line line-system">
        <LineText event={event} />
        {time !== '' && <time dateTime={event.time}>{time}</time>}
      </div>
    );
  }
  // After a transfer or beside participants the transcript holds other agents' lines: `by` is the writer's nickname.
  const isColleague = kind === 'agent' && myName !== undefined && event.by !== undefined && event.by !== myName;
  const reply = event.suggestedReply;
  const hasSuggestion = isAgentOnly && reply !== undefined && reply !== '';
  return (
    <div className={`line line-${kind}${isAgentOnly ? ' line-internal' : ''}${isColleague ? ' line-colleague' : ''}`}>
      <div className="line-meta">
        <span className="line-by">{authorOf(event, kind)}</span>
        {event.participantRole !== undefined && <span className="role-tag">{roleName(event.participantRole)}</span>}
        {isAgentOnly && <span className="internal-tag">Only agents see this</span>}
        {time !== '' && <time dateTime={event.time}>{time}</time>}
      </div>
      <div className={event.textType === 'rich-content' ? 'bubble bubble-card' : 'bubble'}>
        <LineText event={event} />
        {hasSuggestion && (
          <div className="suggestion">
            <span className="suggestion-label">Suggested reply</span>
            <p className="suggestion-text">{reply}</p>
            {onUseReply !== undefined && (
              <button type="button" className="secondary small" onClick={() => onUseReply(reply)}>
                Use reply
              </button>
            )}
          </div>
        )}
      </div>
    </div>
  );
}

/** Who wrote a line; an unnamed visitor's lines carry "You" (their side's word), shown here as "Visitor". */
function authorOf(event: ChatEvent, kind: string): string {
  if (kind === 'visitor') return realVisitorName(event.by) ?? 'Visitor';
  return event.by ?? (kind === 'agent' ? 'Agent' : 'Visitor');
}
