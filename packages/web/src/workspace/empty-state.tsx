interface EmptyStateProps {
  availability: string;
  ringingCount: number;
}

/** What the centre shows before any chat is open: what to do next. */
export function EmptyState({ availability, ringingCount }: EmptyStateProps) {
  let hint = 'New chats ring on the left; accept one to start.';
  if (ringingCount > 0) hint = 'A visitor is waiting: accept the chat on the left.';
  else if (availability === 'Away' || availability === 'Occupied')
    hint = `You are ${availability}: set your availability to Online to receive chats.`;
  return (
    <div className="empty-state">
      <div className="empty-illustration" aria-hidden="true">
        <span />
        <span />
      </div>
      <p className="empty-title">No open chats</p>
      <p className="empty-hint">{hint}</p>
    </div>
  );
}
