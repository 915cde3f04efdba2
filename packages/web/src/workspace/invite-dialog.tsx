import type { AgentClient, ListedAgent } from '@parley/sdk';
import type { ChatSession } from './chat-session.js';
import { TargetDialog, type TargetGroup } from './target-dialog.js';

interface InviteDialogProps {
  agent: AgentClient;
  session: ChatSession;
  myUserId: number | undefined;
  onClose(): void;
}

/** Invitees are not rung, so Away is no obstacle: only a live session counts. */
const isLoggedIn = (agent: ListedAgent) => agent.chatState !== 'Offline';

/** Colleagues first: inviting someone by name is the usual case. */
const GROUPS: readonly TargetGroup[] = [
  { kind: 'agent', label: 'Colleagues and bots', describe: (agent) => `${agent.nickname} (${agent.chatState})` },
  { kind: 'skill', label: 'Skills', describe: (skill) => `Skill: ${skill.name}` },
];

/**
 * Invites a colleague or a bot (by name, from the agent list) or anyone with a skill to assist in
 * the chat beside its holder (docs/SHARED-CHATS.md, invitations). Only agents with a live session
 * can be invited, whatever their availability.
 */
export function InviteDialog({ agent, session, myUserId, onClose }: InviteDialogProps) {
  return (
    <TargetDialog
      agent={agent}
      session={session}
      myUserId={myUserId}
      title="Invite to chat"
      explanation="A colleague or bot joins as an assistant beside you: they read the whole chat, can write to the visitor and whisper to you. You keep the chat. The note is shown only to agents."
      targetLabel="Invite"
      choosePrompt="Choose a colleague or skill…"
      nobodyPrompt="Nobody is logged in"
      groups={GROUPS}
      canChoose={isLoggedIn}
      notePlaceholder="What you would like help with"
      loadFailure="Colleagues could not be loaded"
      sendFailure="Nobody was invited"
      submitLabel="Send invitation"
      send={async (target, note) => {
        await session.chat.invite(
          target.kind === 'agent' ? { user: target.userId } : { skill: target.skillId },
          note === undefined ? {} : { note },
        );
      }}
      onSent={onClose}
      onCancel={onClose}
    />
  );
}
