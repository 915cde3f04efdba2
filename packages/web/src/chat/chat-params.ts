import { connectionMonitor } from '../shared/connection-monitor.js';

/** What the page was opened with: `/chat?account=…&appKey=…[&skill=…][&embed=1][&referrer=…]`. */
export interface ChatParams {
  /** Where Parley answers: the page's own origin, the only one the CSP lets it connect to. */
  baseUrl: string;
  accountId: string;
  appKey: string;
  /** A skill chosen by the embedding site; absent: the visitor chooses. */
  skill: string | undefined;
  /** Opened by embed.js, which can close the frame when asked (see `requestClose`). */
  isEmbedded: boolean;
  /**
   * The page the visitor chats from, told to the agent as the chat's referrer: embed.js passes its
   * host page (this window's own referrer is withheld by `Referrer-Policy: no-referrer`).
   */
  referrer: string | undefined;
}

/** The longest referrer the server takes (server-chat §3.8 `chatReferrer`). */
const MAX_REFERRER_LENGTH = 2_000;

/** The page's parameters, or the names of the required ones that are missing. */
export function readChatParams(location: Location): ChatParams | { missing: string[] } {
  const query = new URLSearchParams(location.search);
  const value = (name: string) => {
    const text = query.get(name)?.trim();
    return text === undefined || text === '' ? undefined : text;
  };
  const accountId = value('account');
  const appKey = value('appKey');
  if (accountId === undefined || appKey === undefined) {
    return {
      missing: [accountId === undefined ? 'account' : '', appKey === undefined ? 'appKey' : ''].filter(Boolean),
    };
  }
  return {
    baseUrl: location.origin,
    accountId,
    appKey,
    skill: value('skill'),
    isEmbedded: query.get('embed') === '1' && window.parent !== window,
    referrer: (value('referrer') ?? (document.referrer || undefined))?.slice(0, MAX_REFERRER_LENGTH),
  };
}

/** The SDK's connection options for this page. */
export const connectionOf = (params: ChatParams) => ({
  baseUrl: params.baseUrl,
  accountId: params.accountId,
  appKey: params.appKey,
  // Watched, so the window can say "reconnecting" while the SDK is still retrying.
  fetch: connectionMonitor.fetch,
});

/** The SDK's options for an account-level question about `skill` (availability, surveys, wait). */
export const queryOf = (params: ChatParams, skill: string | undefined) => ({
  ...connectionOf(params),
  ...(skill === undefined ? {} : { skill }),
});
