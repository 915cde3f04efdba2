import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { BRIDGED_PATH } from './bridged-paths.js';

/**
 * The other end of the SDK's `postmessage` transport (lpChat.min.js, `lpTag.taglets.postmessage`).
 * The page on the brand's site puts this page in a hidden iframe and posts it each request as JSON
 * (`{callId, url, method, headers, data, timeout, retries, returnDomain}`, or `{callId,
 * validation: true}` first, to learn the frame is there). The frame makes the request on its own
 * origin, this server's, and posts back `{callId, responseType, responseCode, body, headers}`:
 * `completeLoad` for a 2xx answer, `errorLoad` otherwise. `body` is the answer's text (the parent
 * parses JSON) and `headers` carry `location`, which the SDK reads after requesting a chat.
 *
 * Requests go without credentials (no cookie of this origin travels) and only to the paths the
 * SDK uses; a network failure is tried again as many times as the request's `retries` say.
 */
const BRIDGE_SCRIPT = `(function () {
  'use strict';
  var ALLOWED = ${BRIDGED_PATH.toString()};
  var SKIPPED_HEADERS = { 'lp-url': true, 'content-length': true, cookie: true, host: true };
  function answer(target, message) {
    window.parent.postMessage(JSON.stringify(message), target);
  }
  function failure(request, code, message) {
    return { callId: request.callId, responseType: 'errorLoad', responseCode: code, body: '',
      error: { message: message, id: code, name: 'ERROR' } };
  }
  function run(request, target, triesLeft) {
    var url;
    try { url = new URL(String(request.url), location.origin); } catch (e) { url = null; }
    if (url === null || url.origin !== location.origin || !ALLOWED.test(url.pathname)) {
      answer(target, failure(request, 403, 'The bridge only carries the chat SDK\\'s requests'));
      return;
    }
    var method = String(request.method || 'GET').toUpperCase();
    var headers = {};
    var given = request.headers && typeof request.headers === 'object' ? request.headers : {};
    Object.keys(given).forEach(function (name) {
      if (!SKIPPED_HEADERS[name.toLowerCase()] && typeof given[name] === 'string') headers[name] = given[name];
    });
    var body;
    if (method !== 'GET' && method !== 'HEAD' && request.data !== undefined && request.data !== null && request.data !== '') {
      body = typeof request.data === 'string' ? request.data : JSON.stringify(request.data);
      headers['Content-Type'] = 'application/json';
    }
    var controller = new AbortController();
    var timeout = request.timeout > 0 ? request.timeout : 60000;
    var timer = setTimeout(function () { controller.abort(); }, timeout);
    fetch(url.href, { method: method, headers: headers, body: body, credentials: 'omit', cache: 'no-store',
      redirect: 'error', signal: controller.signal })
      .then(function (response) {
        return response.text().then(function (text) {
          clearTimeout(timer);
          var answered = {};
          response.headers.forEach(function (value, name) { answered[name] = value; });
          answer(target, { callId: request.callId, responseType: response.ok ? 'completeLoad' : 'errorLoad',
            responseCode: response.status, body: text, headers: answered });
        });
      })
      .catch(function (error) {
        clearTimeout(timer);
        if (triesLeft > 0) run(request, target, triesLeft - 1);
        else answer(target, failure(request, 0, String(error && error.message || error)));
      });
  }
  window.addEventListener('message', function (event) {
    var request;
    try { request = typeof event.data === 'string' ? JSON.parse(event.data) : event.data; } catch (e) { return; }
    if (!request || typeof request !== 'object' || typeof request.callId !== 'string') return;
    if (request.url === undefined || request.url === null || request.url === '') {
      // The transport's first message asks only whether this frame is there.
      if (request.validation) answer(event.origin, { callId: request.callId, responseType: 'completeLoad',
        responseCode: 200, body: '' });
      else answer(event.origin, failure(request, 400, 'No url'));
      return;
    }
    run(request, event.origin, request.retries > 0 ? Math.min(request.retries, 5) : 0);
  });
})();`;

const BRIDGE_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title></title></head><body>
<script>${BRIDGE_SCRIPT}</script>
</body></html>
`;

/** The page may run only its own script and reach only this server. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src 'sha256-${createHash('sha256').update(BRIDGE_SCRIPT).digest('base64')}'`,
  "connect-src 'self'",
].join('; ');

/**
 * Where the SDK looks for the bridge: `/hcp/html/postmessage.min.html` on its domain (and
 * `lpsunco/postmessage.html` outside production), `/postmessage/postmessage.min.html` on its
 * engagement domain. Any site may frame it: that is its purpose.
 */
export const BRIDGE_PATHS = [
  '/hcp/html/postmessage.min.html',
  '/hcp/html/lpsunco/postmessage.html',
  '/postmessage/postmessage.min.html',
];

export function registerBridgePages(app: FastifyInstance): void {
  for (const path of BRIDGE_PATHS) {
    app.get(path, async (_request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
        .header('Cache-Control', 'public, max-age=3600')
        .send(BRIDGE_PAGE),
    );
  }
}
