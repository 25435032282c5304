/** Load runs: wrk (pinned to CPU 1) for single requests, the flow driver for multi-request flows; server CPU from /proc. */
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';

const run = promisify(execFile);
const CLK_TCK = 100;

export interface LoadResult {
  /** requests (or flows) per second */
  rate: number;
  count: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  /** server CPU (user+system) per request or flow, µs */
  cpuMicros: number;
}

export function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
}

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60000;
}

export interface WrkOptions {
  url: string;
  script?: string;
  env?: Record<string, string>;
  seconds: number;
  connections: number;
  serverPid: number;
}

export async function wrk(options: WrkOptions): Promise<LoadResult> {
  const args = ['-c', '1', 'wrk', '-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--latency', '--timeout', '5s'];
  if (options.script) args.push('-s', path.join(import.meta.dirname, 'lua', options.script));
  args.push(options.url);
  const before = cpuTicks(options.serverPid);
  const { stdout } = await run('taskset', args, { env: { ...process.env, ...options.env }, maxBuffer: 1 << 20 });
  const after = cpuTicks(options.serverPid);
  const count = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0);
  const p50 = /\s50%\s+(\S+)/.exec(stdout)?.[1];
  const p99 = /\s99%\s+(\S+)/.exec(stdout)?.[1];
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  return {
    rate,
    count,
    p50Ms: p50 ? toMs(p50) : NaN,
    p99Ms: p99 ? toMs(p99) : NaN,
    errors,
    non2xx,
    cpuMicros: count > 0 ? (((after - before) / CLK_TCK) * 1e6) / count : NaN,
  };
}

export interface FlowOptions {
  mode: 'sso' | 'login' | 'refresh';
  seconds: number;
  concurrency: number;
  serverPid: number;
  target: unknown;
}

/**
 * Runs bench/flow-load.ts on CPU 1 and reads its JSON result. The driver prints `measuring` when its clock starts
 * (after its own start-up and, in SSO mode, the sign-ins) and `done` when it stops: server CPU is read at those lines.
 */
export async function flows(options: FlowOptions): Promise<LoadResult> {
  const child = spawn(
    'taskset',
    ['-c', '1', 'node', '--import', 'tsx', path.join(import.meta.dirname, 'flow-load.ts'), JSON.stringify({ mode: options.mode, seconds: options.seconds, concurrency: options.concurrency, target: options.target })],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), (options.seconds + 120) * 1000);
  let before = NaN;
  let after = NaN;
  let last = '';
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    if (line === 'measuring') before = cpuTicks(options.serverPid);
    else if (line === 'done') after = cpuTicks(options.serverPid);
    else if (line.startsWith('{')) last = line;
  }
  clearTimeout(timer);
  if (!last) throw new Error('the flow driver printed no result');
  const r = JSON.parse(last) as { count: number; seconds: number; p50Ms: number; p99Ms: number; errors: number };
  return { rate: r.count / r.seconds, count: r.count, p50Ms: r.p50Ms, p99Ms: r.p99Ms, errors: r.errors, non2xx: 0, cpuMicros: r.count > 0 ? (((after - before) / CLK_TCK) * 1e6) / r.count : NaN };
}
