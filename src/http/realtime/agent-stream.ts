import type { FastifyReply } from 'fastify';
import type { AgentNotice } from '../../core/agents/agent-notifications.js';
import type { RingingChat } from '../../core/agents/router.js';
import type { AgentSession } from '../../core/chats/chat-model.js';
import type { Core } from '../../core/create-core.js';
import { inviteeInvitationFields } from '../agent-api/sharing-presenter.js';
import { openEventStream, type EventStream } from './event-stream.js';

/**
 * A `ring` event's data: the legacy count (a string, as in incomingRequests) and, a Parley addition
 * (docs/LEGACY-QUIRKS.md), what each ringing chat is, oldest first. No chat id: an agent addresses
 * a chat only once accept has handed it over (chat-agent-api §3.9).
 */
const ringData = (chats: RingingChat[]) => ({
  ringingCount: String(chats.length),
  ringing: chats.map(({ skill, visitorName, waitingSince }) => ({ skill, visitorName, waitingSince })),
});

/** Where the stream's links point: a chat, and the session itself. */
interface StreamLinks {
  chatHref: (chatId: string) => string;
  sessionHref: string;
  zone: string;
}

/** One notice as the stream's event. */
function presentNotice(notice: AgentNotice, links: StreamLinks): Parameters<EventStream['send']>[0] {
  const { chatHref } = links;
  switch (notice.kind) {
    case 'availability':
      return { event: 'availability', data: { chat: notice.availability } };
    case 'ring':
      return { event: 'ring', data: { ...ringData(notice.chats), time: notice.time } };
    case 'chat':
      return { event: 'chat', data: { chatId: notice.chatId, href: chatHref(notice.chatId), state: notice.state } };
    case 'invitation':
      return {
        event: 'invitation',
        data: {
          ...inviteeInvitationFields(notice.chat, notice.invitation, links.zone),
          href: `${links.sessionHref}/invitations/${notice.invitation.id}`,
          state: notice.state,
        },
      };
    case 'participation':
      return {
        event: 'participation',
        data: { chatId: notice.chatId, href: chatHref(notice.chatId), role: notice.role, state: notice.state },
      };
  }
}

/**
 * An agent session's notifications as Server-Sent Events: `availability` ({chat}), `ring`
 * ({ringingCount, ringing, time}) whenever what rings here changes, and `chat` ({chatId, href,
 * state}) when a chat is assigned to the agent or leaves it; `invitation` and `participation` for
 * shared chats (docs/SHARED-CHATS.md). An agent workspace or bot listens here instead of polling
 * incomingRequests every 2 s.
 */
export async function streamAgentSession(options: {
  core: Core;
  reply: FastifyReply;
  session: AgentSession;
  links: StreamLinks;
  keepAliveMs?: number;
}): Promise<void> {
  const { core, reply, session, links } = options;
  const stream = openEventStream(reply, {
    ...(options.keepAliveMs === undefined ? {} : { keepAliveMs: options.keepAliveMs }),
    onKeepAlive: () => {
      core.agents.sessions.keepAlive(session).catch(() => stream.close());
    },
  });
  // An open stream is a connection of a connection-bound session (agent-presence.ts).
  const release = core.agents.presence.connected(session);
  stream.onClose(() => release({ serverClosing: reply.server.closing.isClosing }));
  const stop = await core.agents.notifications.watch(
    session,
    (notice) => stream.send(presentNotice(notice, links)),
    () => stream.close(),
  );
  // The client may have gone during the first reads.
  if (stream.closed) stop();
  else stream.onClose(stop);
}
