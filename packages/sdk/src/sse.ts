/** One Server-Sent Events message. */
export interface SseMessage {
  /** The last `id:` seen on the stream (the WHATWG "last event ID"), if any. */
  id: string | undefined;
  /** The `event:` name, `message` when none was given. */
  event: string;
  /** The `data:` lines joined with newlines. */
  data: string;
}

/** How a stream is read. */
export interface ReadSseOptions {
  /**
   * When no byte arrives for this long the connection is taken for dead and `onIdle` is called
   * (Parley sends a comment every 15 s, so a silent minute means a half-open connection).
   */
  idleTimeoutMs?: number;
  /** Closes the connection; the pending read then fails and the reader ends. */
  onIdle?: () => void;
}

/**
 * Parses a `text/event-stream` body as the WHATWG HTML standard describes (§9.2.6): lines end with
 * CRLF, LF or CR; `:` starts a comment; a blank line dispatches the message. An unfinished message at
 * the end of the stream is dropped, so a connection that breaks mid-message yields nothing half-read.
 * Only `fetch`, `ReadableStream` and `TextDecoder` are used: it runs in browsers and Node.js alike.
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  options: ReadSseOptions = {},
): AsyncGenerator<SseMessage, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let lastId: string | undefined;
  let event = '';
  let data: string[] = [];
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const armIdle = () => {
    if (options.idleTimeoutMs === undefined) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => options.onIdle?.(), options.idleTimeoutMs);
  };
  try {
    for (;;) {
      armIdle();
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (;;) {
        const end = /\r\n|\n|\r/.exec(buffer);
        // A CR at the very end may be the first half of a CRLF still on its way.
        if (end === null || (end[0] === '\r' && end.index === buffer.length - 1)) break;
        const line = buffer.slice(0, end.index);
        buffer = buffer.slice(end.index + end[0].length);
        if (line === '') {
          if (data.length > 0) yield { id: lastId, event: event === '' ? 'message' : event, data: data.join('\n') };
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const name = colon === -1 ? line : line.slice(0, colon);
        const raw = colon === -1 ? '' : line.slice(colon + 1);
        const value = raw.startsWith(' ') ? raw.slice(1) : raw;
        if (name === 'data') data.push(value);
        else if (name === 'event') event = value;
        else if (name === 'id' && !value.includes('\0')) lastId = value;
      }
    }
  } finally {
    clearTimeout(idleTimer);
    // Closes the connection when the reader stops early (a `break` in the caller's loop).
    reader.cancel().catch(() => undefined);
  }
}

/** Whether a response carries Server-Sent Events. */
export const isEventStream = (response: Response): boolean =>
  (response.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream');
