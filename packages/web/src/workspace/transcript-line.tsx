import type { ChatEvent } from '@parley/sdk';
import { LineText, lineKind, timeOf } from '../shared/chat-lines.js';

/** One event of the transcript: a visitor, agent or system line, an agent-only note, or the end. */
export function TranscriptLine({ event, myName }: { event: ChatEvent; myName: string | undefined }) {
  const time = timeOf(event);
  if (event.type === 'state') {
    return (
      <div className="line line-divider">
        <span>Chat ended{time === '' ? '' : ` · ${time}`}</span>
      </div>
    );
  }
  const kind = lineKind(event);
  // Transfer notes and other ONLY_TO_REP lines: the visitor never sees them (chat-agent-api §3.23).
  const isAgentOnly = event.subType === 'ONLY_TO_REP';
  if (kind === 'system' && !isAgentOnly) {
    return (
      <div className="line line-system">
        <LineText event={event} />
        {time !== '' && <time dateTime={event.time}>{time}</time>}
      </div>
    );
  }
  // After a transfer the transcript holds another agent's lines too: `by` is the writer's nickname.
  const isColleague = kind === 'agent' && myName !== undefined && event.by !== undefined && event.by !== myName;
  return (
    <div className={`line line-${kind}${isAgentOnly ? ' line-internal' : ''}${isColleague ? ' line-colleague' : ''}`}>
      <div className="line-meta">
        <span className="line-by">{event.by ?? (kind === 'agent' ? 'Agent' : 'Visitor')}</span>
        {isAgentOnly && <span className="internal-tag">Only agents see this</span>}
        {time !== '' && <time dateTime={event.time}>{time}</time>}
      </div>
      <div className="bubble">
        <LineText event={event} />
      </div>
    </div>
  );
}
