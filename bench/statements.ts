/**
 * `npx tsx bench/statements.ts`: how many store statements each request on the delivery path runs
 * (a visitor's line, an agent's read, a long-poll woken by a line, an SSE message), over SQLite
 * (BENCH_STORE=postgres for PostgreSQL). The clock moves 5 s before each request, so every request
 * also records itself (agent session and chat touches, written at most once a second); then
 * 100 ms, as when an agent asks again at once after each delivery.
 */
import { request } from 'node:http';
import { databaseTargets } from '../test/support/databases.js';
import { agentClient, visitorClient } from '../test/support/chat-clients.js';
import { accountSeed, applySeed, startTestServer } from '../test/support/test-server.js';

const targets = await databaseTargets();
const target = targets.find((candidate) => candidate.name === (process.env.BENCH_STORE ?? 'sqlite'));
if (target === undefined || target.unavailable !== undefined) throw new Error(target?.unavailable ?? 'no target');

const statements: string[] = [];
const server = await startTestServer(target, { onQuery: (sql) => statements.push(sql) });
const { accountId, seed } = accountSeed();
await applySeed(server.core, seed);
const account = seed.accounts[0]!;
const visitor = visitorClient(server.baseUrl, accountId, account.appKeys[0]!);
const { session } = await agentClient(server.baseUrl, accountId).signIn('alice', 'alice-pass');
const chatId = await visitor.start({ skill: 'Sales' });
await session.accept();

let gapMs = 5_000;

/** Runs `work` and prints the statements it ran. */
async function count(name: string, work: () => Promise<unknown>): Promise<void> {
  server.clock.advance(gapMs);
  statements.length = 0;
  await work();
  // Let anything the request started after answering (a publish, a touch) finish.
  await new Promise((resolve) => setTimeout(resolve, 50));
  console.log(`${name}, ${gapMs} ms after the last request: ${statements.length}`);
  if (process.argv.includes('--sql')) for (const sql of statements) console.log(`    ${sql}`);
}

/** A raw GET whose body is read in full, or only until `until` appears in it (a stream). */
function get(path: string, headers: Record<string, string>, until?: string): Promise<string> {
  const url = new URL(server.baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (until !== undefined && text.includes(until)) {
          req.destroy();
          resolve(text);
        }
      });
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
}

const agentHeaders = { accept: 'application/json', authorization: `Bearer ${session.bearer}` };
const agentEvents = `${session.path}/chat/${chatId}/events.json`;
let next = (await session.events(chatId)).length;

for (const gap of [5_000, 100]) {
  gapMs = gap;
  await count('visitor POST line', () => visitor.say(chatId, `one ${gap}`));
  next += 1;
  await count('agent GET events (no wait)', () => session.events(chatId, next));
  await count('visitor POST line + the long-poll it wakes', async () => {
    const polled = get(`${agentEvents}?from=${next}&wait=25`, agentHeaders);
    await new Promise((resolve) => setTimeout(resolve, 50));
    console.log(`agent long-poll (wait=25) until it waits, ${gapMs} ms after the last request: ${statements.length}`);
    statements.length = 0;
    await visitor.say(chatId, `two ${gap}`);
    await polled;
  });
  next += 1;
  await count('visitor POST line + the SSE message it makes', async () => {
    const text = `three ${gap}`;
    const streamed = get(
      `${session.path}/chat/${chatId}/events?from=${next}`,
      { ...agentHeaders, accept: 'text/event-stream' },
      text,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    server.clock.advance(gapMs);
    statements.length = 0;
    await visitor.say(chatId, text);
    await streamed;
  });
  next += 1;
}
await server.close();
process.exit(0);
