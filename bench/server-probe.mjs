/**
 * Loaded into the benched server by bench/capacity.ts (`--import`): once a second it writes to
 * stdout, the server's log, how late its event loop was at worst in that second
 * (`monitorEventLoopDelay`), so that a request that waited on a stalled server is told apart from
 * one that waited in the kernel or in a late client. A loop blocked for 5 s shows as one line of
 * 5,000 ms, written when it runs again.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setInterval } from 'node:timers';
import { isMainThread } from 'node:worker_threads';

// Preloaded into every worker too (the checkpointer's): only the main thread serves.
if (isMainThread) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  setInterval(() => {
    process.stdout.write(`[bench-probe] loop delay max ${(delay.max / 1e6).toFixed(1)} ms\n`);
    delay.reset();
  }, 1_000).unref();
}
