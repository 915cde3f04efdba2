/**
 * The bare servers benches compare Parley with, each in a process of its own: node:http and a
 * Fastify route answering every request with a ~300-byte JSON body, the size of a poll's answer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { cpuMsOf } from './agent-readers.js';
import { DEFAULT_POSTGRES_POOL_SIZE } from '../src/store/open-postgres.js';

const root = new URL('..', import.meta.url).pathname;

/**
 * A bare server in a process of its own answering every request with a ~300-byte JSON body; bare
 * node:http may first spend `work.us` of CPU on each, or ask PostgreSQL `SELECT 1` (the ceiling rows).
 */
export async function startBare(
  kind: 'node-http' | 'fastify',
  work: { us?: number; databaseUrl?: string } = {},
): Promise<{ child: ChildProcess; base: string }> {
  const body = JSON.stringify({ events: { link: [{ '@rel': 'next', '@href': 'x'.repeat(220) }], event: [] } });
  const script =
    kind === 'node-http'
      ? `const http = require('node:http');
         const body = ${JSON.stringify(body)};
         const workNs = ${(work.us ?? 0) * 1000};
         const pool = ${
           work.databaseUrl === undefined
             ? 'undefined'
             : `new (require(${JSON.stringify(join(root, 'node_modules/pg'))}).Pool)({ connectionString: ${JSON.stringify(work.databaseUrl)}, max: ${DEFAULT_POSTGRES_POOL_SIZE} })`
         };
         const answer = (res) => {
           res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
           res.end(body);
         };
         const server = http.createServer((req, res) => {
           req.resume();
           const until = process.hrtime.bigint() + BigInt(workNs);
           while (process.hrtime.bigint() < until);
           if (pool === undefined) return answer(res);
           pool.query('SELECT 1').then(() => answer(res), () => { res.statusCode = 500; res.end(); });
         });
         server.keepAliveTimeout = 60000;
         server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));`
      : `const fastify = require(${JSON.stringify(join(root, 'node_modules/fastify'))})({ logger: false });
         const body = ${JSON.stringify(body)};
         fastify.all('/*', async (req, reply) => reply.type('application/json').send(body));
         fastify.listen({ port: 0, host: '127.0.0.1' }).then(() => console.log('listening ' + fastify.server.address().port));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const match = /listening (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${kind} baseline exited with ${code}`)));
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

/** A server's rate under autocannon, and the CPU its process spent per request. */
export interface Rate {
  perSecond: number;
  /** µs; /proc, 10 ms ticks over tens of thousands of requests: a figure load moves less than the rate. */
  cpuUs: number;
}

/** Drives a server with autocannon and reads the CPU its process `pid` spent meanwhile. */
export async function drive(
  options: autocannon.Options,
  pid: number | undefined,
): Promise<Rate & { result: autocannon.Result }> {
  const cpuBefore = cpuMsOf(pid);
  const result = await autocannon(options);
  const cpuUs = ((cpuMsOf(pid) - cpuBefore) * 1000) / Math.max(1, result.requests.total);
  return { result, perSecond: result.requests.average, cpuUs };
}

/**
 * What this machine gives bare node:http right now (50 connections for `seconds`). Runs that
 * cannot be compared by ratios in one run (the capacity bench's) are compared with this beside
 * them, since the machine's speed drifts between runs.
 */
export async function measureBare(seconds: number): Promise<Rate> {
  const { child, base } = await startBare('node-http');
  try {
    const { perSecond, cpuUs } = await drive({ url: `${base}/`, connections: 50, duration: seconds }, child.pid);
    return { perSecond, cpuUs };
  } finally {
    child.kill();
  }
}
