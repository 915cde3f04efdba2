/**
 * Placeholders the server uses for a visitor who gave no name: "You" is what the visitor's side
 * calls them, and what their lines carry as `by` (server-chat §3.13); "visitor" is the agent side's
 * `visitorName` (chat-agent-api §3.18). Neither is a name to show an agent.
 */
const PLACEHOLDERS = new Set(['you', 'visitor']);

/** The visitor's name from a line's `by` or the chat's `visitorName`, or undefined when it is a placeholder. */
export function realVisitorName(value: string | undefined): string | undefined {
  const name = value?.trim() ?? '';
  return name === '' || PLACEHOLDERS.has(name.toLowerCase()) ? undefined : name;
}
