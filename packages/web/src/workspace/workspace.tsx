import { useCallback, useEffect, useRef, useState } from 'react';
import type { AgentChat, AgentClient, AgentNotification, AgentProfile, Invitation } from '@parley/sdk';
import { ChatPanel } from './chat-panel.js';
import { ChatSession } from './chat-session.js';
import { ChatTabList } from './chat-tab-list.js';
import { ConnectionBanner } from './connection-banner.js';
import { EmptyState } from './empty-state.js';
import { describeError, isLoginGone } from './errors.js';
import { HeaderBar } from './header-bar.js';
import { shownRinging, type ShownRingingChat } from './format-wait.js';
import { IncomingChats } from './incoming-chats.js';
import { InvitationsList } from './invitations-list.js';
import { LiveChatsView, type LiveChatActions } from './live-chats-view.js';
import type { ChatRole } from './participants.js';
import { beep, setRingTitle } from './ring-cue.js';
import { useAgentNotifications } from './use-agent-notifications.js';
import { useConnectionLost } from './use-connection-lost.js';
import { useInvitations } from './use-invitations.js';
import { useLiveChats } from './use-live-chats.js';

interface WorkspaceProps {
  agent: AgentClient;
  onSignOut(): void;
  onLoginGone(error: unknown): void;
}

/**
 * The logged-in agent's screen: header, incoming chats, invitations and tabs, the selected chat —
 * or, for users who may listen to chats, the account's live chats.
 */
export function Workspace({ agent, onSignOut, onLoginGone }: WorkspaceProps) {
  const [profile, setProfile] = useState<AgentProfile | undefined>();
  const [availability, setAvailability] = useState('');
  const [ringingCount, setRingingCount] = useState(0);
  // What each ringing chat is (Parley's session stream); may be shorter than the count.
  const [ringing, setRinging] = useState<readonly ShownRingingChat[]>([]);
  const [sessions, setSessions] = useState<readonly ChatSession[]>([]);
  const [selectedId, setSelectedId] = useState<string | undefined>();
  // The centre shows the selected chat, or the live chats (for a user who may listen).
  const [view, setView] = useState<'chats' | 'live'>('chats');
  const [streamProblem, setStreamProblem] = useState<string | undefined>();
  const isConnectionLost = useConnectionLost();
  // Sessions by chat id, read synchronously so a chat announced twice (accept and stream) opens once.
  const byId = useRef(new Map<string, ChatSession>());

  const loginGone = useRef(onLoginGone);
  useEffect(() => {
    loginGone.current = onLoginGone;
  });
  const reportLoginGone = useCallback((error: unknown) => loginGone.current(error), []);

  const openChat = useCallback(
    (chat: AgentChat, shouldSelect: boolean) => {
      const session = byId.current.get(chat.id);
      if (session === undefined) {
        const created = new ChatSession(chat, reportLoginGone);
        byId.current.set(chat.id, created);
        created.start();
        setSessions((list) => [...list, created]);
      } else {
        // Joined again with another role (a listener now assisting): the open tab follows.
        session.setRole(chat.role);
      }
      const id = chat.id;
      setSelectedId((current) => (shouldSelect || current === undefined ? id : current));
      if (shouldSelect) setView('chats');
    },
    [reportLoginGone],
  );

  const closeChat = (id: string) => {
    byId.current.get(id)?.stop();
    byId.current.delete(id);
    setSessions((list) => list.filter((session) => session.id !== id));
    if (selectedId === id) {
      // The neighbour takes the closed tab's place, as in a browser.
      const index = sessions.findIndex((session) => session.id === id);
      const rest = sessions.filter((session) => session.id !== id);
      setSelectedId(rest[Math.min(index, rest.length - 1)]?.id);
    }
  };

  // Every session stops with the workspace (sign-out, lost login).
  useEffect(() => {
    const sessionsById = byId.current;
    return () => {
      for (const session of sessionsById.values()) session.stop();
      sessionsById.clear();
    };
  }, []);

  useEffect(() => {
    let isCurrent = true;
    agent.profile().then(
      (value) => isCurrent && setProfile(value),
      (error: unknown) => isLoginGone(error) && reportLoginGone(error),
    );
    agent.availability().then(
      (value) => isCurrent && setAvailability((known) => known || value),
      (error: unknown) => isLoginGone(error) && reportLoginGone(error),
    );
    return () => {
      isCurrent = false;
    };
  }, [agent, reportLoginGone]);

  const invitations = useInvitations(agent, reportLoginGone);
  const dismissInvitation = invitations.dismiss;

  const onNotification = (notification: AgentNotification) => {
    if (notification.type === 'availability') setAvailability(notification.availability);
    else if (notification.type === 'ring') {
      setRingingCount(notification.ringingCount);
      setRinging(shownRinging(notification.ringing, Date.now()));
    } else if (notification.type === 'invitation') {
      // Answered by someone else, withdrawn, or its chat ended: it can no longer be accepted.
      if (notification.state === 'closed') dismissInvitation(notification.id);
    } else if (notification.type === 'participation') {
      const session = byId.current.get(notification.chatId);
      if (notification.state === 'holder') session?.setRole('holder');
      else if (notification.state === 'joined' && notification.role !== null) {
        // Joined automatically, or from another window: the chat gets a tab, not the front.
        if (session === undefined) openChat(agent.chat(notification.chatId, notification.role), false);
        else session.setRole(notification.role);
      }
    } else if (notification.state === 'transferred') {
      byId.current.get(notification.chatId)?.loseHold();
    } else if (notification.state === 'chatting' && !byId.current.has(notification.chatId)) {
      // A chat assigned here that has no tab yet: held before the stream opened, or accepted elsewhere.
      openChat(agent.chat(notification.chatId), false);
    }
  };
  useAgentNotifications(agent, { onNotification, onProblem: setStreamProblem, onLoginGone: reportLoginGone });

  // The cues: a beep when more chats ring than before, and the count in the title.
  const lastCount = useRef(0);
  useEffect(() => {
    if (ringingCount > lastCount.current) beep();
    lastCount.current = ringingCount;
    setRingTitle(ringingCount);
  }, [ringingCount]);
  useEffect(() => () => setRingTitle(0), []);

  const [isAccepting, setAccepting] = useState(false);
  const [acceptProblem, setAcceptProblem] = useState<string | undefined>();
  const accept = async () => {
    setAccepting(true);
    setAcceptProblem(undefined);
    try {
      const chat = await agent.acceptNext();
      if (chat === null) setAcceptProblem('That chat is no longer waiting.');
      else openChat(chat, true);
    } catch (error) {
      if (isLoginGone(error)) reportLoginGone(error);
      else setAcceptProblem(describeError(error));
    } finally {
      setAccepting(false);
    }
  };

  const changeAvailability = async (next: string) => {
    const previous = availability;
    setAvailability(next);
    try {
      if (next !== 'Online' && next !== 'Away' && next !== 'Occupied') throw new Error(`Unknown availability ${next}`);
      await agent.setAvailability(next);
    } catch (error) {
      setAvailability(previous);
      if (isLoginGone(error)) reportLoginGone(error);
      throw error;
    }
  };

  const liveChats = useLiveChats(agent, view === 'live', reportLoginGone);
  const isLiveShown = view === 'live' && liveChats.status === 'ready';

  /** Joins a chat (or joins it again, to change role) and opens its tab in front. */
  const join = async (chatId: string, role: Exclude<ChatRole, 'holder'>): Promise<ChatSession> => {
    const chat = await agent.join(chatId, { role });
    openChat(chat, true);
    const session = byId.current.get(chatId);
    if (session === undefined) throw new Error('The joined chat has no tab');
    return session;
  };
  const liveActions: LiveChatActions = {
    listen: async (chatId) => void (await join(chatId, 'listener')),
    join: async (chatId) => void (await join(chatId, 'assistant')),
    takeOver: async (chatId) => {
      const known = byId.current.get(chatId);
      const joinedAs =
        liveChats.status === 'ready' ? liveChats.chats.find((chat) => chat.chatId === chatId)?.joinedAs : null;
      // A chat joined without a tab here (another window, automatically): its tab opens first.
      const session = known ?? (await join(chatId, joinedAs ?? 'listener'));
      await session.takeOver();
      setSelectedId(chatId);
      setView('chats');
    },
    open: (chatId) => {
      if (byId.current.has(chatId)) {
        setSelectedId(chatId);
        setView('chats');
        return;
      }
      const joinedAs =
        liveChats.status === 'ready' ? liveChats.chats.find((chat) => chat.chatId === chatId)?.joinedAs : null;
      if (joinedAs === null || joinedAs === undefined) openChat(agent.chat(chatId), true);
      else void join(chatId, joinedAs).catch((error: unknown) => isLoginGone(error) && reportLoginGone(error));
    },
  };

  const acceptInvitation = async (invitation: Invitation) => {
    try {
      openChat(await invitation.accept(), true);
    } catch (error) {
      if (isLoginGone(error)) reportLoginGone(error);
      throw error;
    } finally {
      // Answered or no longer open: either way it leaves the list (a failure is shown there first).
      invitations.dismiss(invitation.id);
    }
  };
  const declineInvitation = async (invitation: Invitation) => {
    try {
      await invitation.decline();
    } catch (error) {
      if (isLoginGone(error)) reportLoginGone(error);
      throw error;
    } finally {
      invitations.dismiss(invitation.id);
    }
  };

  // What is in front counts as read; nothing is while the live chats are shown.
  const shownId = isLiveShown ? undefined : selectedId;
  useEffect(() => {
    for (const session of sessions) session.setSelected(session.id === shownId);
  }, [sessions, shownId]);

  const selectChat = (id: string) => {
    setSelectedId(id);
    setView('chats');
  };

  const selected = sessions.find((session) => session.id === selectedId);

  return (
    <div className="workspace">
      <HeaderBar
        profile={profile}
        availability={availability}
        onAvailabilityChange={changeAvailability}
        onSignOut={onSignOut}
      />
      {isConnectionLost ? (
        <ConnectionBanner message="Parley is not answering. Reconnecting… Your chats stay open and nothing is lost." />
      ) : (
        streamProblem !== undefined && <ConnectionBanner message={streamProblem} />
      )}
      <div className="workspace-body">
        <nav className="sidebar" aria-label="Chats">
          <IncomingChats
            count={ringingCount}
            ringing={ringing}
            isAccepting={isAccepting}
            problem={acceptProblem}
            availability={availability}
            onAccept={() => void accept()}
          />
          <InvitationsList
            invitations={invitations.invitations}
            problem={invitations.problem}
            onAccept={acceptInvitation}
            onDecline={declineInvitation}
          />
          {liveChats.status === 'ready' && (
            <section className="supervise" aria-label="Supervise">
              <h2 className="section-title">Supervise</h2>
              <button
                type="button"
                className={`nav-button${isLiveShown ? ' is-selected' : ''}`}
                aria-pressed={isLiveShown}
                onClick={() => setView(isLiveShown ? 'chats' : 'live')}
              >
                <span className="nav-icon" aria-hidden="true" />
                Live chats
              </button>
            </section>
          )}
          <ChatTabList sessions={sessions} selectedId={shownId} onSelect={selectChat} />
        </nav>
        <main className="chat-area">
          {isLiveShown && (
            <LiveChatsView
              chats={liveChats.chats}
              problem={liveChats.problem}
              myUserId={profile?.id}
              actions={liveActions}
            />
          )}
          {!isLiveShown && sessions.length === 0 && (
            <EmptyState availability={availability} ringingCount={ringingCount} />
          )}
          {!isLiveShown && selected !== undefined && (
            <ChatPanel
              key={selected.id}
              agent={agent}
              session={selected}
              myUserId={profile?.id}
              myName={profile?.agentName}
              onClose={() => closeChat(selected.id)}
            />
          )}
        </main>
      </div>
    </div>
  );
}
