/**
 * `npm run bench:delivery`: how long a visitor's line takes to reach an agent client, via long-poll
 * and via Server-Sent Events, at 1, 100 and 1,000 concurrent chats. Parley runs as its own process
 * (the built server, SQLite by default; BENCH_DATABASE_URL=postgres://… for PostgreSQL); this
 * process plays the visitors and the agents over HTTP on loopback. Prints a table and, with
 * --record, writes it into BENCHMARKS.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const LEVELS = (process.env.BENCH_LEVELS ?? '1,100,1000').split(',').map(Number);
const AGENTS = 20;
/** Lines a second the visitors post, over all chats. */
const RATE = Number(process.env.BENCH_RATE ?? 200);
const ACCOUNT = '77000001';
const root = new URL('..', import.meta.url).pathname;

interface Chat {
  visitorPath: string;
  agentPath: string;
  bearer: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startParley(dir: string): Promise<{ child: ChildProcess; base: string }> {
  const appKey = randomBytes(16).toString('hex');
  const seed = {
    accounts: [
      {
        id: ACCOUNT,
        appKeys: [appKey],
        skills: [{ id: 1, name: 'Sales' }],
        users: Array.from({ length: AGENTS }, (_, i) => ({
          id: 100 + i,
          loginName: `agent${i}`,
          password: 'bench-pass',
          skills: ['Sales'],
          maxChats: -1,
        })),
        settings: { ringTimeoutSeconds: 3600, agentSessionIdleSeconds: 86_400 },
      },
    ],
  };
  writeFileSync(join(dir, 'seed.json'), JSON.stringify(seed));
  writeFileSync(join(dir, 'app-key'), appKey);
  const child = spawn(process.execPath, [join(root, 'dist/cli/parley.js'), 'serve'], {
    env: {
      ...process.env,
      PORT: '0',
      PARLEY_DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `sqlite:${join(dir, 'bench.db')}`,
      PARLEY_SECRET_KEY_FILE: join(dir, 'secret.key'),
      PARLEY_SEED: join(dir, 'seed.json'),
      PARLEY_LOG_LEVEL: 'info',
      PARLEY_RATE_LIMIT_ACCOUNT: '1000000/1000000',
      PARLEY_RATE_LIMIT_CREDENTIAL: '1000000/1000000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(buffered);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`parley exited with ${code}`)));
  });
  child.stdout?.resume();
  return { child, base };
}

async function call(base: string, method: string, path: string, options: { bearer?: string; body?: unknown } = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.bearer === undefined ? {} : { authorization: `Bearer ${options.bearer}` }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return response;
}

/** Runs `work` over `items` with at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function openChats(
  base: string,
  appKey: string,
  agents: { bearer: string; session: string }[],
  count: number,
): Promise<Chat[]> {
  const visitorPaths: string[] = [];
  await pool(
    Array.from({ length: count }, (_, i) => i),
    50,
    async () => {
      const response = await call(base, 'POST', `/api/account/${ACCOUNT}/chat/request.json?appKey=${appKey}`, {
        body: { request: { skill: 'Sales', interactionTimeout: 86_400 } },
      });
      visitorPaths.push(new URL(response.headers.get('location') ?? '').pathname);
    },
  );
  const chats: Chat[] = [];
  await Promise.all(
    agents.map(async (agent) => {
      while (chats.length < count) {
        const response = await call(base, 'POST', `${agent.session}/incomingRequests.json`, {
          bearer: agent.bearer,
          body: {},
        });
        if (response.status === 201) {
          const body = (await response.json()) as { chatLocation: { link: { '@href': string } } };
          const agentPath = new URL(body.chatLocation.link['@href']).pathname;
          const chatId = agentPath.split('/').pop() ?? '';
          const visitorPath = visitorPaths.find((path) => path.endsWith(chatId)) ?? '';
          chats.push({ visitorPath, agentPath, bearer: agent.bearer });
        } else {
          await response.arrayBuffer();
          await sleep(10);
        }
      }
    }),
  );
  return chats;
}

type Receiver = (
  base: string,
  chat: Chat,
  from: number,
  onLine: (text: string) => void,
  signal: AbortSignal,
) => Promise<void>;

/** Long-poll: the agent holds `events?from=N&wait=25` open and asks again at once. */
const longPollReceiver: Receiver = async (base, chat, start, onLine, signal) => {
  let from = start;
  while (!signal.aborted) {
    try {
      const response = await fetch(`${base}${chat.agentPath}/events.json?from=${from}&wait=25`, {
        headers: { authorization: `Bearer ${chat.bearer}` },
        signal,
      });
      const body = (await response.json()) as {
        events: { link: { '@href': string; '@rel': string }[]; event?: unknown };
      };
      const events =
        body.events.event === undefined
          ? []
          : Array.isArray(body.events.event)
            ? body.events.event
            : [body.events.event];
      for (const event of events as { text?: string; source?: string }[])
        if (event.source === 'visitor' && event.text) onLine(event.text);
      const next = body.events.link.find((link) => link['@rel'] === 'next')?.['@href'] ?? '';
      from = Number(/from=(\d+)/.exec(next)?.[1] ?? from);
    } catch {
      return;
    }
  }
};

/** SSE: one stream per chat, messages parsed as they arrive. */
const sseReceiver: Receiver = async (base, chat, start, onLine, signal) => {
  try {
    const response = await fetch(`${base}${chat.agentPath}/events?from=${start}`, {
      headers: { authorization: `Bearer ${chat.bearer}`, accept: 'text/event-stream' },
      signal,
    });
    const reader = response.body?.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    while (reader !== undefined) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = message.split('\n').find((line) => line.startsWith('data: '));
        if (data === undefined) continue;
        const event = JSON.parse(data.slice(6)) as { text?: string; source?: string };
        if (event.source === 'visitor' && event.text) onLine(event.text);
      }
    }
  } catch {
    return;
  }
};

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function measure(base: string, appKey: string, chats: Chat[], receiver: Receiver, samples: number) {
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  const controller = new AbortController();
  let received = 0;
  const onLine = (text: string) => {
    const start = sent.get(text);
    if (start === undefined) return;
    sent.delete(text);
    latencies.push(performance.now() - start);
    received += 1;
  };
  // Every receiver starts after the chat's current events, so it waits for the new line only.
  const starts = await Promise.all(
    chats.map(async (chat) => {
      const response = await call(base, 'GET', `${chat.agentPath}/events.json`, { bearer: chat.bearer });
      const body = (await response.json()) as { events: { link: { '@href': string; '@rel': string }[] } };
      return Number(/from=(\d+)/.exec(body.events.link[1]?.['@href'] ?? '')?.[1] ?? 0);
    }),
  );
  const receiving = chats.map((chat, i) => receiver(base, chat, starts[i] ?? 0, onLine, controller.signal));
  await sleep(500 + chats.length);
  // A steady load (BENCH_RATE lines a second over all chats, round-robin), as conversations make it:
  // the figure is delivery latency, not queueing behind a burst.
  // At most 20 lines a second in any one chat: a conversation, not a flood.
  const interval = 1000 / Math.min(RATE, 20 * chats.length);
  const startedAt = performance.now();
  let seq = 0;
  const posting: Promise<void>[] = [];
  for (; seq < samples; seq += 1) {
    const chat = chats[seq % chats.length]!;
    const due = startedAt + seq * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const text = `bench:${seq}`;
    sent.set(text, performance.now());
    posting.push(
      call(base, 'POST', `${chat.visitorPath}/events.json?appKey=${appKey}`, {
        body: { event: { '@type': 'line', text } },
      }).then((response) => response.arrayBuffer().then(() => undefined)),
    );
  }
  await Promise.all(posting);
  const deadline = Date.now() + 10_000;
  while (sent.size > 0 && Date.now() < deadline) await sleep(5);
  controller.abort();
  await Promise.allSettled(receiving);
  const sorted = latencies.sort((a, b) => a - b);
  return { samples: received, lost: seq - received, median: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const { child, base } = await startParley(dir);
  const appKey = readFileSync(join(dir, 'app-key'), 'utf8');
  try {
    const agents = await Promise.all(
      Array.from({ length: AGENTS }, async (_, i) => {
        const login = await call(base, 'POST', `/api/account/${ACCOUNT}/login`, {
          body: { username: `agent${i}`, password: 'bench-pass' },
        });
        const { bearer } = (await login.json()) as { bearer: string };
        const created = await call(base, 'POST', `/api/account/${ACCOUNT}/agentSession.json`, { bearer, body: {} });
        const body = (await created.json()) as { agentSessionLocation: { link: { '@href': string } } };
        return { bearer, session: new URL(body.agentSessionLocation.link['@href']).pathname };
      }),
    );
    const rows: string[] = [];
    let opened: Chat[] = [];
    for (const level of LEVELS) {
      opened = [...opened, ...(await openChats(base, appKey, agents, level - opened.length))];
      const chats = opened.slice(0, level);
      for (const [mode, receiver] of [
        ['long-poll', longPollReceiver],
        ['SSE', sseReceiver],
      ] as const) {
        const result = await measure(
          base,
          appKey,
          chats,
          receiver,
          level === 1 ? 200 : Math.min(1000, Math.max(400, level)),
        );
        rows.push(
          `| ${level} | ${mode} | ${result.samples} | ${result.median.toFixed(2)} | ${result.p99.toFixed(2)} | ${result.lost} |`,
        );
        process.stderr.write(
          `${level} chats, ${mode}: median ${result.median.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms\n`,
        );
      }
    }
    const table = [
      `Run ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, ${process.env.BENCH_DATABASE_URL?.split(':')[0] ?? 'sqlite'}:`,
      '',
      '| concurrent chats | delivery | lines | median ms | p99 ms | lost |',
      '| ---: | --- | ---: | ---: | ---: | ---: |',
      ...rows,
    ].join('\n');
    console.log(table);
    if (process.argv.includes('--record')) {
      const path = join(root, 'BENCHMARKS.md');
      const intro = `# Benchmarks\n\n## Delivery latency (\`npm run bench:delivery\`)\n\nTime from a visitor posting a line on the Server Chat API until an agent client holding the chat receives it on the Chat Agent API, measured by the client process (visitors and agents) against Parley running as a separate process on the same machine, over loopback. Visitors post a steady ${RATE} lines a second over all chats, round-robin (at most 20 a second in one chat).\n\n`;
      writeFileSync(path, `${intro}${table}\n`);
    }
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
