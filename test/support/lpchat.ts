import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { browserUnavailable } from './browser.js';
import { requireServices } from './databases.js';

/**
 * LivePerson's JavaScript Chat SDK (lpChat.min.js 3.1.0), read from PARLEY_LPCHAT_SDK: it is
 * LivePerson's code, tested against and never part of the repository (.ci/run points at it).
 */
export const LPCHAT_SDK = process.env.PARLEY_LPCHAT_SDK;

/** The TLS certificate of the test servers (127.0.0.1 and localhost): the SDK calls only https://. */
const TLS = new URL('../fixtures/tls/', import.meta.url).pathname;
export const tls = { cert: readFileSync(`${TLS}cert.pem`), key: readFileSync(`${TLS}key.pem`) };

/**
 * Why the lpChat tests cannot run here, or undefined when they can: they need the script and
 * chromium. Skipped with the reason; with PARLEY_TEST_REQUIRE_SERVICES=1 (CI) they fail.
 */
export function lpChatUnavailable(): string | undefined {
  const problem =
    LPCHAT_SDK === undefined
      ? "PARLEY_LPCHAT_SDK is not set (the path of LivePerson's lpChat.min.js)"
      : !existsSync(LPCHAT_SDK)
        ? `PARLEY_LPCHAT_SDK names no file: ${LPCHAT_SDK}`
        : undefined;
  if (problem !== undefined && requireServices)
    throw new Error(`${problem}; PARLEY_TEST_REQUIRE_SERVICES=1 requires it`);
  return problem ?? browserUnavailable();
}

/**
 * The brand's site: another origin (plain HTTP, its own port) serving a page that loads
 * lpChat.min.js unchanged, and helpers the test drives the SDK with (`window.call`, `window.seen`).
 */
export async function startBrandSite(): Promise<{ url: string; close: () => Promise<void> }> {
  const script = readFileSync(LPCHAT_SDK!, 'utf8');
  const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>Brand site</title><script src="/lpChat.min.js"></script></head>
<body><h1>Brand site</h1><script>
window.seen = { inits: [], lines: [], states: [], agentTyping: [], engagements: [], infos: [], requests: [] };
window.record = function (list) {
  return function (data) { list.push(JSON.parse(JSON.stringify(data === undefined ? null : data))); };
};
// Calls an SDK method with success and error callbacks, as a promise.
window.call = function (method, args) {
  return new Promise(function (resolve, reject) {
    args = args || {};
    args.success = function (data) { resolve(data === undefined ? null : JSON.parse(JSON.stringify(data))); };
    args.error = function (error) { reject(new Error(method + ' failed: ' + JSON.stringify(error))); };
    // An SDK call that never answers fails the test instead of holding it.
    setTimeout(function () { reject(new Error(method + ' never answered')); }, 60000);
    var returned = window.chat[method](args);
    if (returned && returned.error) reject(new Error(method + ': ' + returned.error));
  });
};
</script></body></html>`;
  const server: Server = createServer((request, response) => {
    if (request.url === '/lpChat.min.js') {
      response.writeHead(200, { 'Content-Type': 'application/javascript' }).end(script);
    } else if (request.url === '/') {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    // `localhost`, not 127.0.0.1: another origin than the chat server's even were the ports alike.
    url: `http://localhost:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A `fetch` for @parley/sdk that trusts the test certificate (the server runs HTTPS here). */
export const trustingFetch: typeof fetch = async (input, init = {}) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const headers = new Headers(init.headers);
  const body = init.body === undefined || init.body === null ? undefined : String(init.body);
  return new Promise<Response>((resolve, reject) => {
    const outgoing = httpsRequest(
      url,
      {
        method: init.method ?? 'GET',
        headers: Object.fromEntries(headers.entries()),
        ca: tls.cert,
        ...(init.signal ? { signal: init.signal } : {}),
      },
      (incoming) => {
        const answered = new Headers();
        for (const [name, value] of Object.entries(incoming.headers)) {
          for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value])
            answered.append(name, one);
        }
        const status = incoming.statusCode ?? 0;
        const empty = status === 204 || status === 304;
        if (empty) incoming.resume();
        resolve(
          new Response(empty ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>), {
            status,
            headers: answered,
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
};
