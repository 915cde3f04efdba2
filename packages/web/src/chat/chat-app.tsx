import { useEffect, useState } from 'react';
import { VisitorClient } from '@parley/sdk';
import { connectionOf, type ChatParams } from './chat-params.js';
import { ChatHeader } from './chat-header.js';
import { ChatScreen } from './chat-screen.js';
import { useEscapeCloses } from './embed-bridge.js';
import { isOutage, pause, reconnectDelayMs } from './reconnect.js';
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

  // A reload picks up the chat this tab had open; one that is gone (404) is simply forgotten. While
  // Parley does not answer (a restart) the window keeps trying: the chat may well still be alive.
  useEffect(() => {
    if ('missing' in params || saved === undefined) return;
    const controller = new AbortController();
    const resume = async () => {
      for (let failures = 0; ; failures += 1) {
        try {
          const chat = await VisitorClient.resume({ ...connectionOf(params), chatId: saved.chatId });
          if (controller.signal.aborted) {
            chat.close();
            return;
          }
          setOpen({ chat, skill: saved.skill });
          break;
        } catch (error) {
          if (controller.signal.aborted) return;
          if (!isOutage(error)) {
            forgetChat(params.accountId);
            break;
          }
          if (!(await pause(reconnectDelayMs(failures), controller.signal))) return;
        }
      }
      setIsResuming(false);
    };
    void resume();
    return () => controller.abort();
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
