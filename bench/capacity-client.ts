/**
 * One client process of `npm run bench:capacity` (forked by bench/capacity.ts): it plays the agents
 * it is given and their chats' visitors, as LivePerson's clients load a server. Each visitor polls
 * its chat's events and posts a line now and then; each agent polls its ringing count and reads its
 * chats' events on one long-poll or one Server-Sent Events stream per chat, timing every visitor
 * line from its POST to its arrival. Several such processes split the load when one event loop
 * cannot carry it: each reports its own CPU and event-loop delay, so that a late client is not
 * taken for a slow server.
 */
import { setMaxListeners } from 'node:events';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { failureKind, longPollReceiver, sseReceiver } from './agent-readers.js';
import { call, sleep } from './bench-http.js';
import type { AgentSlice, Cadence, FromClient, ReadMode, SteadyFigures, ToClient } from './capacity-protocol.js';

type Phase = 'warm-up' | 'steady' | 'later';

interface Counts {
  visitorPolls: number[];
  agentPolls: number[];
  linePosts: number[];
  linesPosted: number;
  longPollAnswers: number;
  errors: Record<string, number>;
}

const counts = (): Counts => ({
  visitorPolls: [],
  agentPolls: [],
  linePosts: [],
  linesPosted: 0,
  longPollAnswers: 0,
  errors: {},
});

let phase: Phase = 'warm-up';
let current = counts();
/** Polls answered since `polls-only`. */
let windowPolls = { visitor: 0, agent: 0 };
/** Failures after the steady phase, kept apart from its figures. */
const later: Record<string, number> = {};
let posting = true;
let polling = true;
let stopped = false;
const readers = new AbortController();
// Every reader's requests listen to this one signal.
setMaxListeners(0, readers.signal);

/** Lines not yet delivered, by text: when each was posted, to which kind of reader, in which phase. */
const sent = new Map<string, { at: number; mode: ReadMode; steady: boolean }>();
const delivery: Record<ReadMode, number[]> = { SSE: [], 'long-poll': [] };
let steadyFrom = 0;
let clientIndex = -1;
let steadySnapshot: Omit<SteadyFigures, 'delivery' | 'linePosts' | 'errors' | 'linesLost'> | undefined;
let loopDelay: IntervalHistogram | undefined;
let cpuAtMeasure = process.cpuUsage();

/** Counts a failure; one of a line posted in the steady phase counts there, whenever it comes. */
function fail(kind: string, steadyLine = false): void {
  const errors = phase === 'later' && !steadyLine ? later : current.errors;
  errors[kind] = (errors[kind] ?? 0) + 1;
}

function onLine(text: string): void {
  const line = sent.get(text);
  if (line === undefined) return;
  sent.delete(text);
  if (line.steady) delivery[line.mode].push(performance.now() - line.at);
}

/** The `from` of an events answer's `next` link. */
function nextFrom(body: { events: { link: { '@href': string; '@rel': string }[] } }, from: number): number {
  const next = body.events.link.find((link) => link['@rel'] === 'next')?.['@href'] ?? '';
  return Number(/from=(\d+)/.exec(next)?.[1] ?? from);
}

/**
 * A visitor as LivePerson's SDK polls: `GET events?from=<next>`, then again 2 s after the answer
 * (not a fixed rate: a slow answer delays the next poll, as it does in a browser).
 */
async function visitorPolls(base: string, appKey: string, visitorPath: string, cadence: Cadence, startIn: number) {
  await sleep(startIn);
  let from = 0;
  while (polling && !stopped) {
    const started = performance.now();
    try {
      const response = await call(base, 'GET', `${visitorPath}/events.json?appKey=${appKey}&from=${from}`, {
        signal: AbortSignal.timeout(cadence.requestTimeoutMs),
      });
      if (response.status === 200) {
        current.visitorPolls.push(performance.now() - started);
        windowPolls.visitor += 1;
        from = nextFrom(response.json(), from);
      } else {
        fail(`visitor poll HTTP ${response.status}`);
      }
    } catch (error) {
      fail(`visitor poll ${failureKind(error)}`);
    }
    await sleep(cadence.pollEveryMs);
  }
}

/** An agent's ringing-count poll (`GET incomingRequests`), 2 s after each answer. */
async function agentPolls(base: string, agent: AgentSlice, cadence: Cadence, startIn: number) {
  await sleep(startIn);
  while (polling && !stopped) {
    const started = performance.now();
    try {
      const response = await call(base, 'GET', `${agent.session}/incomingRequests.json`, {
        bearer: agent.bearer,
        signal: AbortSignal.timeout(cadence.requestTimeoutMs),
      });
      if (response.status === 200) {
        current.agentPolls.push(performance.now() - started);
        windowPolls.agent += 1;
      } else {
        fail(`agent poll HTTP ${response.status}`);
      }
    } catch (error) {
      fail(`agent poll ${failureKind(error)}`);
    }
    await sleep(cadence.pollEveryMs);
  }
}

let lineSeq = 0;

/** A visitor's lines, one every `lineEveryMs` at fixed times (people type whatever the server does). */
async function visitorLines(
  base: string,
  appKey: string,
  client: number,
  visitorPath: string,
  mode: ReadMode,
  cadence: Cadence,
  startIn: number,
) {
  let due = performance.now() + startIn;
  for (;;) {
    await sleep(Math.max(0, due - performance.now()));
    if (!posting || stopped) return;
    due += cadence.lineEveryMs;
    const text = `capacity ${client}-${(lineSeq += 1)}`;
    const steady = phase === 'steady';
    if (steady) current.linesPosted += 1;
    const at = performance.now();
    sent.set(text, { at, mode, steady });
    call(base, 'POST', `${visitorPath}/events.json?appKey=${appKey}`, {
      body: { event: { '@type': 'line', text } },
      signal: AbortSignal.timeout(cadence.requestTimeoutMs),
    }).then(
      (response) => {
        if (response.status === 201) {
          if (steady) current.linePosts.push(performance.now() - at);
        } else {
          sent.delete(text);
          fail(`line POST HTTP ${response.status}`, steady);
        }
      },
      (error: unknown) => {
        sent.delete(text);
        fail(`line POST ${failureKind(error)}`, steady);
      },
    );
  }
}

function start(message: Extract<ToClient, { type: 'start' }>): void {
  const { base, appKey, client, agents, cadence } = message;
  clientIndex = client;
  const chats = agents.flatMap((agent) => agent.chats.map((chat) => ({ agent, chat })));
  // The readers first, spread over `openOverMs`; the polls and the lines once they are open, each at
  // a random phase of its period.
  chats.forEach(({ agent, chat }, i) => {
    const receiver = agent.mode === 'SSE' ? sseReceiver : longPollReceiver;
    void sleep((i / chats.length) * cadence.openOverMs).then(() =>
      receiver(
        base,
        { agentPath: chat.agentPath, bearer: agent.bearer },
        0,
        onLine,
        readers.signal,
        () => (current.longPollAnswers += 1),
        fail,
      ),
    );
  });
  const after = cadence.openOverMs;
  for (const { agent, chat } of chats) {
    void visitorPolls(base, appKey, chat.visitorPath, cadence, after + Math.random() * cadence.pollEveryMs);
    void visitorLines(
      base,
      appKey,
      client,
      chat.visitorPath,
      agent.mode,
      cadence,
      after + Math.random() * cadence.lineEveryMs,
    );
  }
  for (const agent of agents) void agentPolls(base, agent, cadence, after + Math.random() * cadence.pollEveryMs);
}

function send(message: FromClient, then: () => void = () => undefined): void {
  process.send?.(message, then);
}

const sorted = (values: number[]) => Float64Array.from(values).sort();

process.on('message', (message: ToClient) => {
  switch (message.type) {
    case 'start':
      start(message);
      send({ type: 'started' });
      break;
    case 'measure':
      send({ type: 'warm-up', errors: current.errors });
      phase = 'steady';
      current = counts();
      steadyFrom = performance.now();
      cpuAtMeasure = process.cpuUsage();
      loopDelay = monitorEventLoopDelay({ resolution: 1 });
      loopDelay.enable();
      break;
    case 'end': {
      posting = false;
      const cpu = process.cpuUsage(cpuAtMeasure);
      loopDelay?.disable();
      steadySnapshot = {
        seconds: (performance.now() - steadyFrom) / 1000,
        visitorPolls: sorted(current.visitorPolls),
        agentPolls: sorted(current.agentPolls),
        linesPosted: current.linesPosted,
        longPollAnswers: current.longPollAnswers,
        cpuMs: (cpu.user + cpu.system) / 1000,
        loopDelay: {
          p50: (loopDelay?.percentile(50) ?? NaN) / 1e6,
          p99: (loopDelay?.percentile(99) ?? NaN) / 1e6,
          max: (loopDelay?.max ?? NaN) / 1e6,
        },
      };
      phase = 'later';
      break;
    }
    case 'polls-only':
      windowPolls = { visitor: 0, agent: 0 };
      break;
    case 'quiet':
      polling = false;
      break;
    case 'finish': {
      stopped = true;
      const pollsOnly = { visitorPolls: windowPolls.visitor, agentPolls: windowPolls.agent };
      const linesLost = [...sent.values()].filter((line) => line.steady).length;
      readers.abort();
      if (steadySnapshot === undefined) throw new Error('finish before end');
      send(
        {
          type: 'report',
          client: clientIndex,
          steady: {
            ...steadySnapshot,
            // What the lines posted in the steady phase came to, by now.
            delivery: { SSE: sorted(delivery.SSE), 'long-poll': sorted(delivery['long-poll']) },
            linePosts: sorted(current.linePosts),
            errors: current.errors,
            linesLost,
          },
          pollsOnly,
          laterErrors: later,
        },
        () => process.exit(0),
      );
      break;
    }
  }
});
