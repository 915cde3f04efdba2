import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { VisitorClient } from '@parley/sdk';
import type { ChatParams } from './chat-params.js';
import { AfterChat } from './after-chat.js';
import { AgentTyping } from './agent-typing.js';
import { ChatHeader } from './chat-header.js';
import { Composer } from './composer.js';
import { connectionMonitor } from '../shared/connection-monitor.js';
import { useUnreadReport } from './embed-bridge.js';
import { ErrorAlert } from './error-alert.js';
import { NobodyAvailable, useSkillAvailability } from './nobody-available.js';
import { OfflineMessage } from './offline-message.js';
import { Transcript } from './transcript.js';
import { useAgentName } from './use-agent-name.js';
import { useChatEvents } from './use-chat-events.js';
import { useOutbox } from './use-outbox.js';
import { WaitStatus } from './wait-status.js';

interface ChatScreenProps {
  params: ChatParams;
  chat: VisitorClient;
  skill: string | undefined;
  onNewChat(): void;
  /** The visitor left the queue to leave a message instead: the chat is over, forget it. */
  onLeft(): void;
}

/**
 * A requested chat: waiting, then chatting, then ended with the exit survey and transcript. Only
 * the chat's end (its `ended` event, or the server saying it is gone) ends it here: while Parley
 * does not answer the window says it is reconnecting and keeps the visitor's lines until it is back.
 */
export function ChatScreen({ params, chat, skill, onNewChat, onLeft }: ChatScreenProps) {
  const feed = useChatEvents(chat);
  const agentName = useAgentName(chat, feed.chattingSince);
  const [error, setError] = useState<unknown>();
  const [restored, setRestored] = useState<{ text: string } | undefined>();
  const [isEnding, setIsEnding] = useState(false);
  // "End chat" asks first: an end cannot be undone, and a visitor may tap it for "close the window".
  const [isConfirmingEnd, setIsConfirmingEnd] = useState(false);
  const confirmEndButton = useRef<HTMLButtonElement>(null);
  const [isLeavingMessage, setIsLeavingMessage] = useState(false);
  const [hasLeft, setHasLeft] = useState(false);
  const [keepsWaiting, setKeepsWaiting] = useState(false);
  const scroller = useRef<HTMLDivElement>(null);
  const isLost = useSyncExternalStore(connectionMonitor.subscribe, connectionMonitor.isLost);
  const isEnded = feed.state === 'ended';
  const isOver = isEnded || feed.error !== undefined;
  const isWaiting = feed.state === 'waiting' && !isOver;

  const onRefused = useCallback((failure: unknown, text: string) => {
    setError(failure);
    setRestored({ text });
  }, []);
  const outbox = useOutbox(chat, feed.lines, onRefused);
  useUnreadReport(feed.lines, params.isEmbedded);

  const isAvailable = useSkillAvailability(params, skill, isWaiting);
  // "Keep waiting" holds until someone is back; should they leave again, the offer returns.
  useEffect(() => {
    if (isAvailable === true) setKeepsWaiting(false);
  }, [isAvailable]);

  // Follow the conversation: each new line (and the end) scrolls to the bottom.
  useEffect(() => {
    scroller.current?.scrollTo({ top: scroller.current.scrollHeight, behavior: 'smooth' });
  }, [feed.lines.length, outbox.pending.length, feed.state]);

  // The question takes the focus, so a keyboard or screen-reader user lands on it.
  useEffect(() => {
    if (isConfirmingEnd) confirmEndButton.current?.focus();
  }, [isConfirmingEnd]);

  const end = () => {
    setIsConfirmingEnd(false);
    setIsEnding(true);
    // The `ended` event that follows switches the screen; an agent's or a timeout's end does the same.
    chat.end().then(
      () => setError(undefined),
      (failure: unknown) => {
        setError(failure);
        setIsEnding(false);
      },
    );
  };

  // Nobody left for this skill: the chat request ends and the offline message takes its place.
  const leaveMessage = () => {
    setIsLeavingMessage(true);
    chat.end().then(
      () => {
        setHasLeft(true);
        onLeft();
      },
      (failure: unknown) => {
        setError(failure);
        setIsLeavingMessage(false);
      },
    );
  };

  if (hasLeft) {
    return (
      <div className="chat-app">
        <ChatHeader title="Leave us a message" isEmbedded={params.isEmbedded} />
        <main className="chat-body start">
          <OfflineMessage params={params} skill={skill} />
        </main>
      </div>
    );
  }

  const subtitle = isEnded ? 'Chat ended' : feed.state === 'chatting' ? 'Online now' : 'Connecting you…';
  return (
    <div className="chat-app">
      <ChatHeader
        title={agentName ?? 'Chat with us'}
        subtitle={subtitle}
        hasAvatar={agentName !== undefined}
        isEmbedded={params.isEmbedded}
        actions={
          !isOver && (
            <button
              type="button"
              className="header-button"
              onClick={() => setIsConfirmingEnd(true)}
              disabled={isEnding || isConfirmingEnd}
            >
              End chat
            </button>
          )
        }
      />
      {isConfirmingEnd && !isOver && (
        <div className="confirm-end" role="group" aria-label="End this chat?">
          <span aria-hidden="true">End this chat?</span>
          <button ref={confirmEndButton} type="button" className="confirm-end-yes" onClick={end}>
            Yes, end it
          </button>
          <button type="button" className="confirm-end-no" onClick={() => setIsConfirmingEnd(false)}>
            Keep chatting
          </button>
        </div>
      )}
      {isLost && !isOver && (
        <p className="reconnecting" role="status">
          Reconnecting… your messages will be sent when we are back
        </p>
      )}
      <div className="chat-scroll" ref={scroller}>
        <Transcript
          lines={feed.lines}
          pending={outbox.pending}
          isDelayed={isLost}
          onPublish={feed.state === 'chatting' && !isOver ? outbox.send : undefined}
        />
        {isWaiting && <WaitStatus chat={chat} skill={skill} />}
        {isWaiting && isAvailable === false && !keepsWaiting && (
          <NobodyAvailable
            isLeaving={isLeavingMessage}
            onLeaveMessage={leaveMessage}
            onKeepWaiting={() => setKeepsWaiting(true)}
          />
        )}
        <AgentTyping chat={chat} agentName={agentName} isActive={feed.state === 'chatting'} />
        {isOver && (
          <AfterChat params={params} chat={chat} isEnded={isEnded} feedError={feed.error} onNewChat={onNewChat} />
        )}
      </div>
      {!isOver && (
        <div className="chat-footer">
          <ErrorAlert error={error} />
          <Composer
            chat={chat}
            isEnabled={feed.state === 'chatting'}
            onSend={(line) => {
              setError(undefined);
              outbox.send(line);
            }}
            restored={restored}
          />
        </div>
      )}
    </div>
  );
}
