import { AppError, ErrorCode } from '../errors.js';
import type { Store } from '../ports.js';
import { requireAccount } from '../accounts/require-account.js';

/**
 * The CSDS service names this deployment serves (platform §3.6). Only implemented services are
 * advertised: clients take an advertised name as a promise that its paths answer. `smt` is the
 * App Engagement API's host, which LivePerson lists for every account: its JavaScript Chat SDK
 * refuses to start without it, and its Postman collection for the Server Chat API reads it first.
 */
export const advertisedServices = ['agentVep', 'conversationVep', 'smt'] as const;

export interface BaseUri {
  service: string;
  account: string;
  baseURI: string;
}

/**
 * Domain API lookups (platform §3). Every service is on this server, so each maps to the one
 * public authority; the transport supplies it (configuration or the request's Host).
 */
export function createServiceResolver(store: Store) {
  return {
    /** D3–D5: every advertised service of the account; also the login's csdsCollectionResponse. */
    async all(accountId: string, authority: string): Promise<BaseUri[]> {
      await requireAccount(store, accountId);
      return advertisedServices.map((service) => ({ service, account: accountId, baseURI: authority }));
    },

    /** D1/D2: one service; names are case-sensitive (`agentvep` is unknown). */
    async one(accountId: string, serviceName: string, authority: string): Promise<BaseUri> {
      await requireAccount(store, accountId);
      if (!advertisedServices.some((service) => service === serviceName)) {
        throw new AppError(ErrorCode.NOT_FOUND, `Unknown service: ${serviceName.slice(0, 60)}`);
      }
      return { service: serviceName, account: accountId, baseURI: authority };
    },

    /**
     * The single-service JSONP lookup (platform §1.6) that older browser tools make, some for
     * `adminArea`, which names this same server: answered as the conversation service. (The
     * JavaScript Chat SDK 3.x reads the all-services form instead: `all`.)
     */
    async forBrowserSdk(accountId: string, serviceName: string, authority: string): Promise<BaseUri> {
      return this.one(accountId, serviceName === 'adminArea' ? 'conversationVep' : serviceName, authority);
    },
  };
}

export type ServiceResolver = ReturnType<typeof createServiceResolver>;
