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
import { notifyDesktop, useDesktopNotifications } from './desktop-notifications.js';
import { ringCue, setTitleCount, stopRingCue } from './ring-cue.js';
import { DraftSaver, updateSavedWorkspace, type SavedWorkspace } from './saved-workspace.js';
import { useAgentNotifications } from './use-agent-notifications.js';
import { useUnreadTotal } from './use-unread-total.js';
import { realVisitorName } from './visitor-name.js';
import { useConnectionLost } from './use-connection-lost.js';
import { useLiveChats } from './use-live-chats.js';

interface WorkspaceProps {
  agent: AgentClient;
  onSignOut(): void;
  onLoginGone(error: unknown): void;
  /** What this browser tab had open before a reload: its tabs come back, with their drafts. */
  restored?: Pick<SavedWorkspace, 'chats' | 'selectedId' | 'drafts'> | undefined;
}

/**
 * The logged-in agent's screen: header, incoming chats, invitations and tabs, the selected chat —
 * or, for users who may listen to chats, the account's live chats.
 */
export function Workspace({ agent, onSignOut, onLoginGone, restored }: WorkspaceProps) {
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
  // Drafts are written as they are typed (debounced), so that a reload finds them.
  const draftSaver = useRef(new DraftSaver());
  // Screen readers hear of rings and invitations here (the lists themselves are not live regions).
  const [announcement, setAnnouncement] = useState('');
  const desktop = useDesktopNotifications();

  /**
   * Opens a chat's tab (in front when `shouldSelect`). `restoredDraft`: the tab is reopened after a
   * reload, with this draft; what it had shown before is not unread.
   */
  const openChat = useCallback(
    (chat: AgentChat, shouldSelect: boolean, restoredDraft?: ChatSession['draft']) => {
      const session = byId.current.get(chat.id);
      if (session === undefined) {
        const saver = draftSaver.current;
        const created = new ChatSession(chat, reportLoginGone, (changed) => saver.schedule(chat.id, changed));
        const isRestored = restoredDraft !== undefined;
        if (isRestored) created.draft = { ...restoredDraft };
        created.onNews = (lines) => {
          const last = lines[lines.length - 1];
          const name = realVisitorName(created.getSnapshot().visitorName) ?? 'Visitor';
          notifyDesktop(`New message from ${name}`, last?.text ?? '', `chat-${chat.id}`);
        };
        byId.current.set(chat.id, created);
        created.start({ isHistoryRead: isRestored });
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
    draftSaver.current.schedule(id, { text: '', isHtml: false, isAgentOnly: false });
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
    const saver = draftSaver.current;
    return () => {
      saver.cancel();
      for (const session of sessionsById.values()) session.stop();
      sessionsById.clear();
      // Stopped tabs are not shown again should the same component mount again (StrictMode).
      setSessions([]);
    };
  }, []);

  // After a reload: the tabs this browser tab had open come back, each with its draft and history.
  const restoredOnce = useRef(restored);
  useEffect(() => {
    const previous = restoredOnce.current;
    restoredOnce.current = undefined;
    if (previous === undefined) return;
    const empty = { text: '', isHtml: false, isAgentOnly: false };
    for (const saved of previous.chats) {
      openChat(agent.chat(saved.id, saved.role), false, previous.drafts[saved.id] ?? empty);
    }
    if (previous.selectedId !== undefined && byId.current.has(previous.selectedId)) setSelectedId(previous.selectedId);
    return () => {
      // Mounted again without a reload (StrictMode): the tabs stopped above are restored once more.
      restoredOnce.current = previous;
    };
  }, [agent, openChat]);

  // What a reload needs, kept as it changes: the login (a re-login opens a new agent session) and the tabs.
  const saveWorkspace = useCallback(() => {
    updateSavedWorkspace((saved) => ({
      ...saved,
      login: agent.savedState(),
      chats: [...byId.current.values()].map((session) => ({ id: session.id, role: session.getSnapshot().role })),
      selectedId: selectedIdRef.current,
    }));
  }, [agent]);
  const selectedIdRef = useRef(selectedId);
  useEffect(() => {
    selectedIdRef.current = selectedId;
    saveWorkspace();
  }, [sessions, selectedId, saveWorkspace]);
  useEffect(() => {
    // Leaving the page (a reload, closing the tab) destroys nothing: the drafts are written, the
    // login is kept, and the streams simply close; a connection-bound agent session goes Away
    // and ends on its own unless this tab comes back.
    const onPageHide = () => {
      draftSaver.current.flush();
      saveWorkspace();
    };
    window.addEventListener('pagehide', onPageHide);
    return () => window.removeEventListener('pagehide', onPageHide);
  }, [saveWorkspace]);

  useEffect(() => {
    let isCurrent = true;
    agent.profile().then(
      (value) => isCurrent && setProfile(value),
      (error: unknown) => isLoginGone(error) && reportLoginGone(error),
    );
    // Read, never assumed: a new session shares the availability of the agent's live one (README).
    agent.availability().then(
      (value) => isCurrent && setAvailability((known) => known || value),
      (error: unknown) => isLoginGone(error) && reportLoginGone(error),
    );
    return () => {
      isCurrent = false;
    };
  }, [agent, reportLoginGone]);

  // Invitations come on the session stream, like rings: one stream, not one more per kind of notice.
  const [invitations, setInvitations] = useState<readonly Invitation[]>([]);
  const dismissInvitation = (id: string) => setInvitations((list) => list.filter((known) => known.id !== id));

  const lastCount = useRef(0);
  /** Tells screen readers (and, in the background, the desktop) that a chat rings. */
  const announceRing = (notification: Extract<AgentNotification, { type: 'ring' }>) => {
    const newest = notification.ringing[notification.ringing.length - 1];
    const what =
      newest === undefined
        ? 'New chat request.'
        : `New chat request${newest.skill === null ? '' : ` for ${newest.skill}`}${newest.visitorName === null ? '' : ` from ${newest.visitorName}`}.`;
    const text = `${what} ${notification.ringingCount} waiting.`;
    setAnnouncement(text);
    notifyDesktop('Chat request', text, 'ring');
  };

  const onNotification = (notification: AgentNotification) => {
    if (notification.type === 'availability') setAvailability(notification.availability);
    else if (notification.type === 'ring') {
      if (notification.ringingCount > lastCount.current) announceRing(notification);
      setRingingCount(notification.ringingCount);
      setRinging(shownRinging(notification.ringing, Date.now()));
    } else if (notification.type === 'invitation') {
      // Closed: answered by someone else, withdrawn, or its chat ended; it can no longer be accepted.
      if (notification.state === 'closed') dismissInvitation(notification.id);
      else {
        const invitation = agent.invitationFrom(notification);
        if (!invitations.some((known) => known.id === invitation.id)) {
          const text = `${invitation.invitedBy} invites you to assist with ${invitation.visitorName || 'a visitor'}.`;
          setAnnouncement(text);
          notifyDesktop('Invitation to assist', text, `invitation-${invitation.id}`);
        }
        setInvitations((list) => [...list.filter((known) => known.id !== invitation.id), invitation]);
      }
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

  // The cues: a beep when more chats ring than before, repeated while they ring; the count of
  // what waits (rings, unread visitor lines) in the title.
  const unread = useUnreadTotal(sessions);
  useEffect(() => {
    ringCue(ringingCount, lastCount.current);
    lastCount.current = ringingCount;
  }, [ringingCount]);
  useEffect(() => setTitleCount(ringingCount + unread), [ringingCount, unread]);
  useEffect(
    () => () => {
      stopRingCue();
      setTitleCount(0);
    },
    [],
  );

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
      dismissInvitation(invitation.id);
    }
  };
  const declineInvitation = async (invitation: Invitation) => {
    try {
      await invitation.decline();
    } catch (error) {
      if (isLoginGone(error)) reportLoginGone(error);
      throw error;
    } finally {
      dismissInvitation(invitation.id);
    }
  };

  // What is in front counts as read; nothing is while the live chats are shown or the page is hidden.
  const shownId = isLiveShown ? undefined : selectedId;
  useEffect(() => {
    for (const session of sessions) session.setSelected(session.id === shownId);
    const onVisibility = () => {
      if (!document.hidden) byId.current.get(shownId ?? '')?.setSelected(true);
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => document.removeEventListener('visibilitychange', onVisibility);
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
        desktop={desktop}
      />
      <div className="visually-hidden" role="status" aria-live="polite" aria-label="Announcements">
        {announcement}
      </div>
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
          <InvitationsList invitations={invitations} onAccept={acceptInvitation} onDecline={declineInvitation} />
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
