import { asNumber, asText, isRecord, member, parseJson } from './json.js';

/** What a ParleyError is made of. */
export interface ParleyErrorInit {
  status: number;
  code?: number | undefined;
  message: string;
  body?: unknown;
  cause?: unknown;
}

/**
 * A request the server refused, or that never got an answer. `status` is the HTTP status (0 when no
 * response arrived: a network error or a timeout after the retries), `code` the legacy
 * `internalCode` when the body carried one (platform §1.5: 5 wrong chat state, 30 login expired,
 * 40 validation, 42 not found, 43 forbidden, 50 rate limited, …), `body` the parsed body (or its text).
 */
export class ParleyError extends Error {
  /** The HTTP status, or 0 when no response arrived. */
  readonly status: number;
  /** The legacy `internalCode` of the error body, when it had one. */
  readonly code: number | undefined;
  /** The response body: parsed JSON, else its text; undefined when there was none. */
  readonly body: unknown;

  constructor(init: ParleyErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ParleyError';
    this.status = init.status;
    this.code = init.code;
    this.body = init.body;
  }

  /** Whether no HTTP answer arrived (network failure, timeout). */
  get isNetworkError(): boolean {
    return this.status === 0;
  }
}

/**
 * The error a failed response stands for, from any of the body shapes the legacy APIs use
 * (platform §1.5): the `{"error": {…}}` envelope, the bare `{message, internalCode}` form, a failed
 * transfer's `{"transfer": {"errormsg"}}`, and the form-encoded OAuth and app-key problem bodies.
 */
export function errorFromResponse(status: number, text: string): ParleyError {
  const body = parseJson(text);
  const envelope = member(body, 'error');
  const source = isRecord(envelope) ? envelope : body;
  const transferMessage = asText(member(member(body, 'transfer'), 'errormsg'));
  const problem = /(?:oauth_problem|lp_problem|general_problem)=([^&]+)/.exec(text)?.[1];
  const message =
    asText(member(source, 'message')) ??
    transferMessage ??
    (problem === undefined ? undefined : decodeURIComponent(problem.replace(/\+/g, ' '))) ??
    `HTTP ${status}`;
  return new ParleyError({
    status,
    code: asNumber(member(source, 'internalCode')),
    message,
    body: body ?? (text === '' ? undefined : text),
  });
}

/** A request that got no answer at all after its retries. */
export function networkError(cause: unknown): ParleyError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ParleyError({ status: 0, message: `No response from the server: ${detail}`, cause });
}
