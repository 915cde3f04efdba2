import { useEffect, useRef, useState } from 'react';
import type { VisitorClient } from '@parley/sdk';
import type { ChatParams } from './chat-params.js';
import { AfterChat } from './after-chat.js';
import { AgentTyping } from './agent-typing.js';
import { ChatHeader } from './chat-header.js';
import { Composer } from './composer.js';
import { ErrorAlert } from './error-alert.js';
import { Transcript } from './transcript.js';
import { useAgentName } from './use-agent-name.js';
import { useChatEvents } from './use-chat-events.js';
import { WaitStatus } from './wait-status.js';

interface ChatScreenProps {
  params: ChatParams;
  chat: VisitorClient;
  skill: string | undefined;
  onNewChat(): void;
}

/** A requested chat: waiting, then chatting, then ended with the exit survey and transcript. */
export function ChatScreen({ params, chat, skill, onNewChat }: ChatScreenProps) {
  const feed = useChatEvents(chat);
  const agentName = useAgentName(chat, feed.chattingSince);
  const [error, setError] = useState<unknown>();
  const [isEnding, setIsEnding] = useState(false);
  const scroller = useRef<HTMLDivElement>(null);
  const isEnded = feed.state === 'ended';
  const isOver = isEnded || feed.error !== undefined;

  // Follow the conversation: each new line (and the end) scrolls to the bottom.
  useEffect(() => {
    scroller.current?.scrollTo({ top: scroller.current.scrollHeight, behavior: 'smooth' });
  }, [feed.lines.length, feed.state]);

  const end = () => {
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

  // A card's reply button: the text goes as the visitor's own line, as if typed.
  const publish = (text: string) => {
    chat.sendLine(text).then(
      () => setError(undefined),
      (failure: unknown) => setError(failure),
    );
  };

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
            <button type="button" className="header-button" onClick={end} disabled={isEnding}>
              End chat
            </button>
          )
        }
      />
      <div className="chat-scroll" ref={scroller}>
        <Transcript lines={feed.lines} onPublish={feed.state === 'chatting' && !isOver ? publish : undefined} />
        {feed.state === 'waiting' && !isOver && <WaitStatus chat={chat} skill={skill} />}
        <AgentTyping chat={chat} agentName={agentName} isActive={feed.state === 'chatting'} />
        {isOver && <AfterChat chat={chat} isEnded={isEnded} feedError={feed.error} onNewChat={onNewChat} />}
      </div>
      {!isOver && (
        <div className="chat-footer">
          <ErrorAlert error={error} />
          <Composer chat={chat} isEnabled={feed.state === 'chatting'} onError={setError} />
        </div>
      )}
    </div>
  );
}
