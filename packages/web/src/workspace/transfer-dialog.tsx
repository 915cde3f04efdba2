import type { AgentClient, ListedAgent } from '@parley/sdk';
import type { ChatSession } from './chat-session.js';
import { TargetDialog, type TargetGroup } from './target-dialog.js';

interface TransferDialogProps {
  agent: AgentClient;
  session: ChatSession;
  myUserId: number | undefined;
  onCancel(): void;
  /** The chat left this agent: its tab can close. */
  onTransferred(): void;
}

/** Agents who can take a chat now; Away and Offline agents are never rung (README, routing). */
const canTakeChats = (agent: ListedAgent) => agent.chatState === 'Online' || agent.chatState === 'Occupied';

/** Skills first: a transfer usually goes back to a queue. */
const GROUPS: readonly TargetGroup[] = [
  { kind: 'skill', label: 'Skills', describe: (skill) => `Skill: ${skill.name}` },
  { kind: 'agent', label: 'Agents', describe: (agent) => `Agent: ${agent.nickname}` },
];

/**
 * Sends the chat to a skill or to another agent, with a note only agents see (chat-agent-api
 * §3.22–3.23).
 */
export function TransferDialog({ agent, session, myUserId, onCancel, onTransferred }: TransferDialogProps) {
  return (
    <TargetDialog
      agent={agent}
      session={session}
      myUserId={myUserId}
      title="Transfer chat"
      explanation="The chat goes back to the queue and rings the skill or agent you choose. The note is shown only to agents."
      targetLabel="Transfer to"
      choosePrompt="Choose a skill or agent…"
      nobodyPrompt="Nobody is available"
      groups={GROUPS}
      canChoose={canTakeChats}
      notePlaceholder="What the next agent should know"
      loadFailure="Transfer targets could not be loaded"
      sendFailure="The chat was not transferred"
      submitLabel="Confirm transfer"
      send={(target, note) =>
        session.transfer({
          ...(target.kind === 'agent' ? { agentId: target.userId } : { skill: target.skillId }),
          ...(note === undefined ? {} : { note }),
        })
      }
      onSent={onTransferred}
      onCancel={onCancel}
    />
  );
}
