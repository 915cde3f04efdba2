/**
 * What `bench/capacity.ts` and its client processes (`bench/capacity-client.ts`) say to each other
 * over the IPC channel (structured clone: the latencies travel as Float64Arrays).
 */

/** How an agent's client reads its chats' events. */
export type ReadMode = 'SSE' | 'long-poll';

/** One agent as a client process plays it: its login, its agent session and the chats it holds. */
export interface AgentSlice {
  bearer: string;
  /** The agent session's path. */
  session: string;
  mode: ReadMode;
  chats: { visitorPath: string; agentPath: string }[];
}

/** The load's cadence, the same in every client process. */
export interface Cadence {
  /** Between a poll's answer and the next poll, visitors' and agents' alike. */
  pollEveryMs: number;
  /** Between one visitor line and the next in one chat. */
  lineEveryMs: number;
  /** Over how long the readers' first requests are spread. */
  openOverMs: number;
  /** A poll or a line's POST not answered by then counts as a timeout. */
  requestTimeoutMs: number;
}

export type ToClient =
  /** Start the readers, the polls and the lines (the warm-up, not measured). */
  | { type: 'start'; base: string; appKey: string; client: number; agents: AgentSlice[]; cadence: Cadence }
  /** The steady phase begins: everything counted so far is dropped. */
  | { type: 'measure' }
  /** The steady phase ends: stop posting lines; the polls go on. */
  | { type: 'end' }
  /** Count the polls from now on (the window that measures what a poll costs the server). */
  | { type: 'polls-only' }
  /** Stop polling too: only the agents' readers remain, waiting (what the server spends idle). */
  | { type: 'quiet' }
  /** Report and exit. */
  | { type: 'finish' };

export interface SteadyFigures {
  seconds: number;
  /** Milliseconds from each visitor poll's request to its whole answer. */
  visitorPolls: Float64Array;
  /** The same for agents' ringing-count polls (`GET incomingRequests`). */
  agentPolls: Float64Array;
  /** Milliseconds from posting a line to its arrival at the agent's reader, by the reader's kind. */
  delivery: Record<ReadMode, Float64Array>;
  /** Milliseconds from posting a line to the POST's answer. */
  linePosts: Float64Array;
  linesPosted: number;
  /** Lines posted in the steady phase and not delivered by the report (at least 20 s later). */
  linesLost: number;
  /** Long-polls answered (each ends in the agent asking again). */
  longPollAnswers: number;
  /** Failures by kind: a non-2xx status, a network error, a timeout, a stream the server closed. */
  errors: Record<string, number>;
  /** The client process's own CPU over the phase, user + system. */
  cpuMs: number;
  /** How late the client's event loop ran (monitorEventLoopDelay), in ms. */
  loopDelay: { p50: number; p99: number; max: number };
}

export type FromClient =
  | { type: 'started' }
  /** Failures during the warm-up, for the log. */
  | { type: 'warm-up'; errors: Record<string, number> }
  | {
      type: 'report';
      client: number;
      steady: SteadyFigures;
      /** Polls answered since `polls-only`. */
      pollsOnly: { visitorPolls: number; agentPolls: number };
      /** Failures after the steady phase (the grace for late lines and the polls-only window). */
      laterErrors: Record<string, number>;
    };
