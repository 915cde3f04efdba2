import { request } from 'node:http';
import { eventually } from './eventually.js';

/** One Server-Sent Events message. */
export interface SseMessage {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/** An open `text/event-stream` response, parsed as it arrives. */
export interface SseClient {
  status: number;
  /** The response's headers (HAProxy's X-Parley-Node among them, in front of a cluster). */
  headers: Record<string, string | string[] | undefined>;
  messages: SseMessage[];
  /** Everything received, for answers that are not a stream (errors). */
  text(): string;
  readonly isEnded: boolean;
  /** Resolves once `check` holds; fails after `timeoutMs`, or at once if the stream ended without it. */
  until(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Drops the connection, as a network failure would. */
  drop(): void;
}

/** Opens `path` at `baseUrl` with `Accept: text/event-stream` on a socket of its own. */
export function openStream(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, headers: { accept: 'text/event-stream', ...headers }, agent: false },
      (res) => {
        res.setEncoding('utf8');
        let raw = '';
        let partial = '';
        let isEnded = false;
        let fields: { id?: string; event?: string; data?: string[] } = {};
        const line = (text: string) => {
          if (text === '') {
            if (fields.data !== undefined || fields.id !== undefined || fields.event !== undefined)
              client.messages.push({ id: fields.id, event: fields.event, data: (fields.data ?? []).join('\n') });
            fields = {};
          } else if (!text.startsWith(':')) {
            const colon = text.indexOf(':');
            const name = colon === -1 ? text : text.slice(0, colon);
            const value = colon === -1 ? '' : text.slice(colon + 1).replace(/^ /, '');
            if (name === 'id') fields.id = value;
            else if (name === 'event') fields.event = value;
            else if (name === 'data') fields.data = [...(fields.data ?? []), value];
          }
        };
        const client: SseClient = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          messages: [],
          text: () => raw,
          get isEnded() {
            return isEnded;
          },
          async until(check, what, timeoutMs = 60_000) {
            try {
              await eventually(
                what,
                () => {
                  if (check()) return true;
                  if (isEnded) throw new Error(`the stream ended before ${what}`);
                  return false;
                },
                { timeoutMs },
              );
            } catch (error) {
              const reason = error instanceof Error ? error.message : String(error);
              throw new Error(`${reason}; received: ${raw.slice(-2_000)}`, { cause: error });
            }
          },
          drop: () => req.destroy(),
        };
        res.on('data', (chunk: string) => {
          raw += chunk;
          const lines = (partial + chunk).split(/\r\n|\r|\n/);
          partial = lines.pop() ?? '';
          lines.forEach(line);
        });
        const end = () => {
          isEnded = true;
        };
        res.on('end', end);
        res.on('close', end);
        // A dropped connection (the node killed, or drop()) ends the response with an error.
        res.on('error', end);
        resolve(client);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
