import { useEffect, useState } from 'react';
import { VisitorClient } from '@parley/sdk';
import { connectionOf, type ChatParams } from './chat-params.js';
import { ChatHeader } from './chat-header.js';
import { ChatScreen } from './chat-screen.js';
import { useEscapeCloses } from './embed-bridge.js';
import { forgetChat, loadSavedChat, saveChat } from './saved-chat.js';
import { StartScreen } from './start-screen.js';

/** A chat that has been requested, with the skill it was requested for (the wait estimate needs it). */
interface OpenChat {
  chat: VisitorClient;
  skill: string | undefined;
}

/** The visitor window: the start screen until a chat is requested, then the chat and what follows it. */
export function ChatApp({ params }: { params: ChatParams | { missing: string[] } }) {
  const [open, setOpen] = useState<OpenChat | undefined>();
  const accountId = 'missing' in params ? undefined : params.accountId;
  // The chat this tab had open before a reload, read once.
  const [saved] = useState(() => (accountId === undefined ? undefined : loadSavedChat(accountId)));
  const [isResuming, setIsResuming] = useState(saved !== undefined);
  useEscapeCloses(!('missing' in params) && params.isEmbedded);

  // A reload picks up the chat this tab had open; one that is gone (404) is simply forgotten.
  useEffect(() => {
    if ('missing' in params || saved === undefined) return;
    let isCurrent = true;
    VisitorClient.resume({ ...connectionOf(params), chatId: saved.chatId })
      .then((chat) => {
        if (isCurrent) setOpen({ chat, skill: saved.skill });
        else chat.close();
      })
      .catch(() => forgetChat(params.accountId))
      .finally(() => {
        if (isCurrent) setIsResuming(false);
      });
    return () => {
      isCurrent = false;
    };
    // Once, on load.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  if ('missing' in params) {
    return (
      <div className="chat-app">
        <ChatHeader title="Chat" isEmbedded={false} />
        <main className="chat-body">
          <p className="alert" role="alert">
            This chat link is incomplete: it needs {params.missing.join(' and ')} in its address (
            <code>/chat?account=…&amp;appKey=…</code>).
          </p>
        </main>
      </div>
    );
  }

  if (open === undefined) {
    if (isResuming) {
      return (
        <div className="chat-app">
          <ChatHeader title="Chat" isEmbedded={params.isEmbedded} />
          <main className="chat-body">
            <p role="status">Reconnecting to your chat…</p>
          </main>
        </div>
      );
    }
    return (
      <StartScreen
        params={params}
        onStarted={(chat, skill) => {
          saveChat(params.accountId, { chatId: chat.id, skill });
          setOpen({ chat, skill });
        }}
      />
    );
  }
  return (
    <ChatScreen
      key={open.chat.id}
      params={params}
      chat={open.chat}
      skill={open.skill}
      onNewChat={() => {
        forgetChat(params.accountId);
        open.chat.close();
        setOpen(undefined);
      }}
      onLeft={() => forgetChat(params.accountId)}
    />
  );
}
