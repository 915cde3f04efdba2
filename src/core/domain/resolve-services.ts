import { AppError, ErrorCode } from '../errors.js';
import type { Store } from '../ports.js';
import { requireAccount } from '../accounts/require-account.js';

/**
 * The CSDS service names this deployment serves (platform §3.6). Only implemented services are
 * advertised: clients take an advertised name as a promise that its paths answer.
 */
export const advertisedServices = ['agentVep', 'conversationVep'] as const;

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
     * The JSONP lookup of LivePerson's browser chat SDK (platform §1.6). It asks for `adminArea`,
     * which names this same server: answered as the conversation service.
     */
    async forBrowserSdk(accountId: string, serviceName: string, authority: string): Promise<BaseUri> {
      return this.one(accountId, serviceName === 'adminArea' ? 'conversationVep' : serviceName, authority);
    },
  };
}

export type ServiceResolver = ReturnType<typeof createServiceResolver>;
