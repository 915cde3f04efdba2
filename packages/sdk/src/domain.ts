import { ParleyError } from './errors.js';
import type { HttpClient } from './http.js';
import { asText, listOf, member } from './json.js';

/** The services the SDK looks up (platform §3.6). */
export type ServiceName = 'agentVep' | 'conversationVep';

/** Where the Domain API is and how to turn its hosts into URLs. */
export interface DomainOptions {
  /** The Domain API (CSDS) base, e.g. `http://127.0.0.1:8080` or `https://api.liveperson.net`. */
  baseUrl: string;
  accountId: string;
  /** The scheme of service URLs (default: the scheme of `baseUrl`); hosts come without one (platform §1.1). */
  scheme?: 'http' | 'https';
  /** How long the service map is kept (default 10 minutes, platform §3.7). */
  cacheMs?: number;
}

const DEFAULT_CACHE_MS = 10 * 60_000;

/**
 * The account's service hosts from the Domain API (platform §1.1, §3.3): looked up once, kept for
 * `cacheMs`, forgotten after a network failure so a moved host is found again (platform §3.7).
 */
export class ServiceDirectory {
  /** The account the hosts are for. */
  readonly accountId: string;
  private readonly base: string;
  private readonly scheme: string;
  private readonly cacheMs: number;
  private cached: { at: number; hosts: Map<string, string> } | undefined;
  private loading: Promise<Map<string, string>> | undefined;

  constructor(
    private readonly http: HttpClient,
    options: DomainOptions,
  ) {
    const base = new URL(options.baseUrl);
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.scheme = options.scheme ?? (base.protocol === 'https:' ? 'https' : 'http');
    this.accountId = options.accountId;
    this.cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
  }

  /** `scheme://host[:port]` of a service, e.g. `https://chat.example.org`. */
  async origin(service: ServiceName): Promise<string> {
    const hosts = await this.hosts();
    const host = hosts.get(service);
    if (host === undefined) {
      // What D1 answers for a service the account lacks (platform §3.5).
      throw new ParleyError({
        status: 404,
        code: 42,
        message: `The Domain API lists no ${service} for account ${this.accountId}`,
      });
    }
    return `${this.scheme}://${host}`;
  }

  /** `origin(service)` + `/api/account/{accountId}` + `path`. */
  async accountUrl(service: ServiceName, path: string): Promise<string> {
    return `${await this.origin(service)}/api/account/${encodeURIComponent(this.accountId)}${path}`;
  }

  /** Forgets the hosts; the next request looks them up again. */
  invalidate(): void {
    this.cached = undefined;
  }

  private async hosts(): Promise<Map<string, string>> {
    const now = this.http.now();
    if (this.cached !== undefined && now - this.cached.at < this.cacheMs) return this.cached.hosts;
    this.loading ??= this.lookUp().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async lookUp(): Promise<Map<string, string>> {
    const reply = await this.http.send({
      method: 'GET',
      url: `${this.base}/api/account/${encodeURIComponent(this.accountId)}/service/baseURI.json?version=1.0`,
    });
    const hosts = new Map<string, string>();
    for (const entry of listOf(member(reply.body, 'baseURIs'))) {
      const service = asText(member(entry, 'service'));
      const host = asText(member(entry, 'baseURI'));
      if (service !== undefined && host !== undefined) hosts.set(service, host);
    }
    this.cached = { at: this.http.now(), hosts };
    return hosts;
  }
}
