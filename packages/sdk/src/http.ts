import { errorFromResponse, networkError, ParleyError } from './errors.js';
import { parseJson } from './json.js';
import {
  abortReason,
  createRetryState,
  DEFAULT_RETRY_POLICY,
  realSleep,
  retryAfterMs,
  type RecoveryEvent,
  type RequestKind,
  type RetryPolicy,
  type Sleep,
} from './retry.js';

/** How the SDK talks HTTP; every client accepts these. */
export interface HttpOptions {
  /** The `fetch` to use (default: the global one). Tests inject failures through it. */
  fetch?: typeof fetch;
  /** Retry timings (platform §6.1); unset fields keep the documented defaults. */
  retry?: Partial<RetryPolicy>;
  /** How to wait between retries and polls (default: `setTimeout`). Tests record delays here. */
  sleep?: Sleep;
  /** The clock (ms since the epoch) used for caches and `Retry-After` dates. */
  now?: () => number;
  /** How long one attempt may take before it counts as a network error (default 10 s, platform §6.1). */
  requestTimeoutMs?: number;
  /**
   * Send `Idempotency-Key` on the changes the client may retry (default true). Parley recognises a
   * retried change by it; turn it off for a browser talking to a server whose CORS answer does not
   * allow the header (LivePerson's own services do not list it).
   */
  sendIdempotencyKeys?: boolean;
  /**
   * Told when a request that may recover slowly has spent its fast retries and waits longer (the
   * server is down), and when it gets an answer again: log it, or tell the bot's operator.
   */
  onRecovery?: (event: RecoveryEvent) => void;
}

/** How a client's own request helper is asked for one request beyond its method and path. */
export interface SendOptions {
  body?: unknown;
  /** Appended to the URL as it is. */
  query?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** A change that may be retried: one Idempotency-Key goes with every attempt. */
  idempotent?: boolean;
}

/** What authorizes a request, and how to recover from a 401. */
export interface Authorization {
  /** The headers that authorize the request at this moment (read again before every attempt). */
  headers(): Record<string, string>;
  /** Logs in again; called at most once per request, on its first 401 (platform §6.1). */
  renew?: () => Promise<void>;
}

/** One logical request; the client may send it several times. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The URL, resolved before every attempt: hosts come from the Domain API and may change. */
  url: string | (() => Promise<string>);
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  kind?: RequestKind;
  auth?: Authorization;
  /** This request's attempt timeout, when it differs from the client's (long-polls). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Sent as `Idempotency-Key` with every attempt, so that a retry of a change the server applied
   * (its answer lost) is recognised and not applied again. Make one with `newIdempotencyKey()`
   * per logical request, before its first attempt.
   */
  idempotencyKey?: string;
  /** Told about each network failure (the Domain API cache then forgets its hosts, platform §3.7). */
  onNetworkError?: () => void;
  /**
   * After the fast retries, keep trying at the policy's growing intervals (platform §6.1's slow
   * recovery) rather than fail: for the requests a long-running client cannot do without.
   */
  recover?: boolean;
  /** Ends the slow waits (the request then fails with its reason): an agent client's logout. */
  recoverySignal?: AbortSignal;
}

/** A successful answer, its body read. */
export interface HttpReply {
  status: number;
  headers: Headers;
  text: string;
  /** The body as JSON; undefined when empty or not JSON. */
  body: unknown;
}

/** A successful answer whose body is still to be read (a stream). */
export interface HttpStream {
  response: Response;
  /** Closes the connection. */
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * A fresh idempotency key: a random UUID (`crypto.randomUUID`, in Node 20 and every browser the
 * web apps support), unguessable, so nobody else can claim a request's answer.
 */
export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

/** Read through a call: the signal may change across an await, which narrowing does not see. */
const isAborted = (signal: AbortSignal | undefined): boolean => signal?.aborted === true;

/** Aborts `child` when `parent` aborts; returns the function that undoes the link. */
export function linkSignal(parent: AbortSignal | undefined, child: AbortController): () => void {
  if (parent === undefined) return () => undefined;
  if (parent.aborted) {
    child.abort(parent.reason);
    return () => undefined;
  }
  const onAbort = () => child.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return () => parent.removeEventListener('abort', onAbort);
}

/** A signal that aborts when any of `signals` does. */
export function anySignal(signals: readonly (AbortSignal | undefined)[]): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const unlinks = signals.map((signal) => linkSignal(signal, controller));
  return { signal: controller.signal, dispose: () => unlinks.forEach((unlink) => unlink()) };
}

/**
 * `fetch` with the retry policy of platform §6.1: 5xx and network errors (timeouts included) are
 * retried after the configured pauses, 429 after `Retry-After`, a 401 once after `auth.renew()`;
 * any other status from 400 up fails at once with a ParleyError.
 */
export class HttpClient {
  /** How the client waits (retries, polls). */
  readonly sleep: Sleep;
  /** The client's clock. */
  readonly now: () => number;
  /** The retry policy in force, defaults filled in. */
  readonly policy: RetryPolicy;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly sendsIdempotencyKeys: boolean;
  private readonly onRecovery: ((event: RecoveryEvent) => void) | undefined;

  constructor(options: HttpOptions = {}) {
    // Called through a wrapper: browsers refuse a `fetch` detached from its window.
    this.fetchImpl = options.fetch ?? ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args));
    this.sleep = options.sleep ?? realSleep;
    this.now = options.now ?? Date.now;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.sendsIdempotencyKeys = options.sendIdempotencyKeys ?? true;
    this.onRecovery = options.onRecovery;
  }

  /** Sends the request and reads the answer's body. */
  async send(request: HttpRequest): Promise<HttpReply> {
    const { response, text } = await this.run(request, false);
    return { status: response.status, headers: response.headers, text, body: parseJson(text) };
  }

  /** Sends the request and hands over the answer once its headers arrive (for streams). */
  async open(request: HttpRequest, accept = 'text/event-stream'): Promise<HttpStream> {
    const { response, close } = await this.run({ ...request, headers: { ...request.headers, accept } }, true);
    return { response, close };
  }

  private async run(
    request: HttpRequest,
    isStream: boolean,
  ): Promise<{ response: Response; text: string; close: () => void }> {
    const retry = createRetryState(this.policy, request.kind ?? 'api', Math.random, {
      recover: request.recover === true,
      now: this.now,
    });
    let hasRenewed = false;
    let url = '';
    let isDown = false;
    /** The wait after a 5xx or no answer (status 0); slow waits are told. */
    const afterServerFailure = (status: number): number | undefined => {
      const slowWaits = retry.slowWaits;
      const delay = retry.afterServerFailure();
      if (delay !== undefined && retry.slowWaits > slowWaits) {
        isDown = true;
        this.tell({
          type: 'waiting',
          method: request.method,
          url,
          attempt: retry.slowWaits,
          delayMs: delay,
          downForMs: retry.downForMs(),
          status,
        });
      }
      return delay;
    };
    /** An answer (not a 5xx) after slow waits: the server is back. */
    const answered = () => {
      if (!isDown) return;
      isDown = false;
      this.tell({
        type: 'recovered',
        method: request.method,
        url,
        attempts: retry.slowWaits,
        downForMs: retry.downForMs(),
      });
    };
    /** Waits before the next attempt; a slow wait also ends when `recoverySignal` aborts. */
    const pause = async (delay: number) => {
      if (!isDown || request.recoverySignal === undefined) return this.sleep(delay, request.signal);
      const { signal, dispose } = anySignal([request.signal, request.recoverySignal]);
      try {
        await this.sleep(delay, signal);
      } finally {
        dispose();
      }
    };
    for (;;) {
      if (isAborted(request.signal)) throw abortReason(request.signal);
      try {
        url = typeof request.url === 'string' ? request.url : await request.url();
      } catch (error) {
        // The hosts are looked up again after a network failure: while the server is down that
        // lookup fails too, which a recovering request waits out like its own failures.
        const isOutage = error instanceof ParleyError && (error.status === 0 || error.status >= 500);
        const delay = request.recover === true && isOutage ? afterServerFailure(error.status) : undefined;
        if (delay === undefined) throw error;
        await pause(delay);
        continue;
      }
      const controller = new AbortController();
      const unlink = linkSignal(request.signal, controller);
      const timer = setTimeout(
        () => controller.abort(new Error('The request timed out')),
        request.timeoutMs ?? this.timeoutMs,
      );
      const release = () => {
        clearTimeout(timer);
        unlink();
      };
      let response: Response | undefined;
      let text = '';
      let failure: unknown;
      try {
        response = await this.fetchImpl(url, this.init(request, controller.signal));
        // A stream's body is its caller's to read; an error body is read whatever it is.
        if (!isStream || response.status >= 400) text = await response.text();
      } catch (error) {
        // A body that breaks off is the same as no answer at all.
        response = undefined;
        failure = error;
      }
      if (isAborted(request.signal)) {
        release();
        throw abortReason(request.signal);
      }
      if (response !== undefined && response.status < 500) answered();
      if (response !== undefined && response.status < 400) {
        if (!isStream) {
          release();
          return { response, text, close: () => undefined };
        }
        // The attempt timeout covers the wait for the headers only; the stream may live for hours.
        clearTimeout(timer);
        return {
          response,
          text,
          close: () => {
            controller.abort();
            unlink();
          },
        };
      }
      release();

      if (response === undefined) {
        request.onNetworkError?.();
        const delay = afterServerFailure(0);
        if (delay === undefined) throw networkError(failure);
        await pause(delay);
        continue;
      }
      if (response.status === 401 && request.auth?.renew !== undefined && !hasRenewed) {
        hasRenewed = true;
        await request.auth.renew();
        continue;
      }
      const delay =
        response.status === 429
          ? retry.afterRateLimit(retryAfterMs(response.headers.get('retry-after'), this.now()))
          : response.status >= 500
            ? afterServerFailure(response.status)
            : undefined;
      if (delay === undefined) throw errorFromResponse(response.status, text);
      await pause(delay);
    }
  }

  /** A listener's failure must not break the request it is told about. */
  private tell(event: RecoveryEvent): void {
    try {
      this.onRecovery?.(event);
    } catch {
      // Ignored: the event is informative.
    }
  }

  private init(request: HttpRequest, signal: AbortSignal): RequestInit {
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...request.headers,
      ...request.auth?.headers(),
    };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.idempotencyKey !== undefined && this.sendsIdempotencyKeys) {
      headers['idempotency-key'] = request.idempotencyKey;
    }
    // PUT and DELETE go as POST with the override header, as the legacy APIs document them
    // (server-chat §1.6, chat-agent-api §1.4); not every server takes the native methods.
    const isOverridden = request.method === 'PUT' || request.method === 'DELETE';
    if (isOverridden) headers['x-http-method-override'] = request.method;
    return {
      method: isOverridden ? 'POST' : request.method,
      headers,
      signal,
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    };
  }
}
