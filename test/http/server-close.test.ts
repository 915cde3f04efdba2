import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { databaseTargets } from '../support/databases.js';
import { send } from '../support/http-client.js';
import { accountSeed, applySeed, startTestServer } from '../support/test-server.js';

const [sqlite] = await databaseTargets();

/** Opens a GET and resolves with the response as soon as its headers arrive. */
function open(baseUrl: string, path: string, headers: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request(new URL(path, baseUrl), { headers }, resolve).on('error', reject).end();
  });
}

/** Everything a response sends, once it ends. */
const bodyOf = (response: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (text += chunk));
    response.on('end', () => resolve(text));
    response.on('error', reject);
  });

describe('closing the server while clients wait', () => {
  it('ends event streams and answers waiting long-polls instead of waiting for the clients', async () => {
    const server = await startTestServer(sqlite!);
    const { seed } = accountSeed();
    await applySeed(server.core, seed);
    const account = seed.accounts[0]!;
    const headers = { authorization: `LivePerson appKey=${account.appKeys[0]}` };
    const base = `/api/account/${account.id}/chat`;
    const started = await send(server.baseUrl, 'POST', `${base}/request.json?v=1&NC=true`, {
      headers,
      body: { request: {} },
    });
    assert.equal(started.status, 201, started.text);
    const chat = new URL(started.header('location')!).pathname;

    const stream = await open(server.baseUrl, `${chat}/events?from=0`, { ...headers, accept: 'text/event-stream' });
    assert.match(String(stream.headers['content-type']), /text\/event-stream/);
    const streamed = bodyOf(stream);
    const poll = await new Promise<IncomingMessage>((resolve, reject) => {
      // The long-poll's headers come only with its answer: start it, then close the server.
      request(new URL(`${chat}.json?v=1&NC=true&from=99&wait=60`, server.baseUrl), { headers }, resolve)
        .on('error', reject)
        .end();
      setTimeout(() => void server.close(), 200);
    });
    const polled = await bodyOf(poll);

    // Both answered long before the long-poll's minute: the close did not wait for them.
    assert.equal(poll.statusCode, 200);
    assert.equal((JSON.parse(polled) as { chat: { info: { state: string } } }).chat.info.state, 'waiting');
    assert.match(await streamed, /^id: 0\n/m, 'the stream had sent the chat so far, then ended');
  });
});
