import { useCallback, useEffect, useRef, useState } from 'react';
import type { AgentChat, AgentClient, AgentNotification, AgentProfile } from '@parley/sdk';
import { ChatPanel } from './chat-panel.js';
import { ChatSession } from './chat-session.js';
import { ChatTabList } from './chat-tab-list.js';
import { ConnectionBanner } from './connection-banner.js';
import { EmptyState } from './empty-state.js';
import { describeError, isLoginGone } from './errors.js';
import { HeaderBar } from './header-bar.js';
import { shownRinging, type ShownRingingChat } from './format-wait.js';
import { IncomingChats } from './incoming-chats.js';
import { beep, setRingTitle } from './ring-cue.js';
import { useAgentNotifications } from './use-agent-notifications.js';
import { useConnectionLost } from './use-connection-lost.js';

interface WorkspaceProps {
  agent: AgentClient;
  onSignOut(): void;
  onLoginGone(error: unknown): void;
}

/** The logged-in agent's screen: header, incoming chats and tabs, the selected chat. */
export function Workspace({ agent, onSignOut, onLoginGone }: WorkspaceProps) {
  const [profile, setProfile] = useState<AgentProfile | undefined>();
  const [availability, setAvailability] = useState('');
  const [ringingCount, setRingingCount] = useState(0);
  // What each ringing chat is (Parley's session stream); may be shorter than the count.
  const [ringing, setRinging] = useState<readonly ShownRingingChat[]>([]);
  const [sessions, setSessions] = useState<readonly ChatSession[]>([]);
  const [selectedId, setSelectedId] = useState<string | undefined>();
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
      let session = byId.current.get(chat.id);
      if (session === undefined) {
        const created = new ChatSession(chat, reportLoginGone);
        session = created;
        byId.current.set(chat.id, created);
        created.start();
        setSessions((list) => [...list, created]);
      }
      const id = chat.id;
      setSelectedId((current) => (shouldSelect || current === undefined ? id : current));
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
    for (const session of sessions) session.setSelected(session.id === selectedId);
  }, [sessions, selectedId]);

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

  const onNotification = (notification: AgentNotification) => {
    if (notification.type === 'availability') setAvailability(notification.availability);
    else if (notification.type === 'ring') {
      setRingingCount(notification.ringingCount);
      setRinging(shownRinging(notification.ringing, Date.now()));
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
          <ChatTabList sessions={sessions} selectedId={selectedId} onSelect={setSelectedId} />
        </nav>
        <main className="chat-area">
          {sessions.length === 0 && <EmptyState availability={availability} ringingCount={ringingCount} />}
          {selected !== undefined && (
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
