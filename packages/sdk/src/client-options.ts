import type { EventFeedOptions } from './events.js';
import type { HttpOptions } from './http.js';

/** Where the server is and how to talk to it; shared by AgentClient and VisitorClient. */
export interface ClientOptions extends HttpOptions {
  /** The Domain API (CSDS) base, e.g. `http://127.0.0.1:8080`; service hosts are looked up there. */
  baseUrl: string;
  /** The account (site) id, an opaque string. */
  accountId: string;
  /** The scheme of service URLs (default: the scheme of `baseUrl`). */
  scheme?: 'http' | 'https';
  /** How long the Domain API answer is kept (default 10 minutes). */
  domainCacheMs?: number;
  /** Defaults for every `events()` call. */
  events?: Omit<EventFeedOptions, 'from' | 'signal'>;
  /** Told about failures in the background (keep-alive refreshes); default: ignored. */
  onError?: (error: unknown) => void;
}
