/**
 * Private, disposable PostgreSQL and Redis servers for tests that need to simulate outages.
 *
 * Each server gets its own temporary directory (data, sockets, log) and its own free TCP port on 127.0.0.1, and is
 * a direct child process of the test (never daemonized), so `stop()` / `start()` can take it down and bring it back
 * on the same port and data directory. The shared servers on 5432 / 6379 are never touched.
 *
 * PostgreSQL refuses to run as root, so when the tests run as root the binaries are exec'd as the `postgres` OS user
 * through `setpriv` (which execs in place, so the PID we hold is the postmaster itself and signals reach it).
 *
 * If a test crashes or forgets `destroy()`, a process 'exit' hook (and SIGINT/SIGTERM/SIGHUP hooks) kill the
 * servers synchronously and remove their temporary directories, so no orphan servers remain.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface PrivateService {
  /** Connection URL (`postgres://postgres@127.0.0.1:PORT/postgres` or `redis://127.0.0.1:PORT`). */
  readonly url: string;
  readonly port: number;
  /** The temporary directory holding the data directory and the server log. */
  readonly dir: string;
  /** Whether the server process is currently running. */
  readonly running: boolean;
  /** Stops the server and waits for its process to exit. No-op when already stopped. */
  stop(): Promise<void>;
  /** Starts the server again on the same port and data directory; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops the server (if running) and removes its temporary directory. Idempotent. */
  destroy(): Promise<void>;
  /** The last lines of the server log, for diagnostics. */
  logTail(lines?: number): string;
}

export type PrivatePostgres = PrivateService;
export type PrivateRedis = PrivateService;

export interface PrivateServiceOptions {
  /** Upper bound for every wait (start, readiness, stop), in milliseconds. Default 20 000. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 20_000;
const POLL_MS = 50;

/* ------------------------------------------------------------------------------------------------------------ */
/* Crash cleanup                                                                                                */
/* ------------------------------------------------------------------------------------------------------------ */

interface Tracked {
  child(): ChildProcess | undefined;
  /** Signal for a fast, synchronous-enough emergency shutdown. */
  emergencySignal: NodeJS.Signals;
  dir: string;
}

const tracked = new Set<Tracked>();
let hooksInstalled = false;

function isAlive(pid: number): boolean {
  // A child that exited but was not reaped (the event loop is no longer running in an 'exit' hook) is a zombie:
  // kill(pid, 0) still succeeds on it, so look at /proc for the state instead.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function emergencyCleanup(): void {
  const pids: number[] = [];
  for (const t of tracked) {
    const child = t.child();
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, t.emergencySignal);
        pids.push(child.pid);
      } catch {
        /* already gone */
      }
    }
  }
  const deadline = Date.now() + 5_000;
  while (pids.some(isAlive) && Date.now() < deadline) sleepSync(20);
  for (const pid of pids) {
    if (isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  for (const t of tracked) {
    try {
      rmSync(t.dir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
  tracked.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', emergencyCleanup);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // Only take over a signal nobody else handles, and re-raise it afterwards so the default behaviour applies.
    if (process.listenerCount(signal) > 0) continue;
    process.once(signal, () => {
      emergencyCleanup();
      process.kill(process.pid, signal);
    });
  }
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Small utilities                                                                                              */
/* ------------------------------------------------------------------------------------------------------------ */

/** Binds port 0 on 127.0.0.1, reads the port the kernel picked, and releases it. */
export async function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const { port } = server.address() as AddressInfo;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

function tail(file: string, lines: number): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  child.ref();
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** Runs a command to completion (bounded), returning its exit code and combined output. */
function run(cmd: string, args: string[], options: { cwd?: string; timeoutMs: number }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(cmd)} ${args.join(' ')} timed out after ${options.timeoutMs} ms\n${output}`));
    }, options.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Resolves true once a TCP connection to 127.0.0.1:port succeeds. */
function tcpConnects(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Sends a RESP PING and resolves true on `+PONG` (a loading Redis answers `-LOADING`). */
function redisPongs(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Generic managed server                                                                                       */
/* ------------------------------------------------------------------------------------------------------------ */

interface ServerSpec {
  name: string;
  dir: string;
  port: number;
  url: string;
  logFile: string;
  timeoutMs: number;
  /** Command line of the server process (run in the foreground). */
  command(): { cmd: string; args: string[] };
  /** Resolves true once the server accepts connections. */
  ready(): Promise<boolean>;
  stopSignal: NodeJS.Signals;
  emergencySignal: NodeJS.Signals;
}

function managedServer(spec: ServerSpec): PrivateService {
  let child: ChildProcess | undefined;
  let destroyed = false;
  const entry: Tracked = { child: () => child, emergencySignal: spec.emergencySignal, dir: spec.dir };
  tracked.add(entry);
  installHooks();

  const logTail = (lines = 30): string => tail(spec.logFile, lines);
  const fail = (message: string): Error =>
    new Error(`private ${spec.name} on 127.0.0.1:${spec.port}: ${message}\n--- log tail (${spec.logFile}) ---\n${logTail()}`);

  async function stop(): Promise<void> {
    const current = child;
    if (!current || exited(current)) return;
    current.kill(spec.stopSignal);
    if (await waitForExit(current, spec.timeoutMs)) return;
    current.kill('SIGKILL');
    await waitForExit(current, 5_000);
    throw fail(`did not stop within ${spec.timeoutMs} ms after ${spec.stopSignal}; killed with SIGKILL`);
  }

  async function start(): Promise<void> {
    if (destroyed) throw new Error(`private ${spec.name}: start() after destroy()`);
    if (child && !exited(child)) return;
    const { cmd, args } = spec.command();
    const log = openSync(spec.logFile, 'a');
    let spawnError: Error | undefined;
    try {
      child = spawn(cmd, args, { cwd: spec.dir, stdio: ['ignore', log, log], detached: false });
    } finally {
      closeSync(log); // the child holds its own copy of the descriptor
    }
    const current = child;
    current.once('error', (err) => (spawnError = err));
    // Do not keep the test process alive just because a server runs; the 'exit' hook cleans it up.
    current.unref();

    // A probe can hang on a foreign listener (port stolen); stop waiting for it as soon as our child dies.
    const died = new Promise<false>((resolve) => {
      current.once('exit', () => resolve(false));
      current.once('error', () => resolve(false));
    });
    const deadline = Date.now() + spec.timeoutMs;
    for (;;) {
      if (spawnError) throw fail(`could not spawn ${cmd}: ${spawnError.message}`);
      if (exited(current)) throw fail(`exited during startup (code ${current.exitCode}, signal ${current.signalCode})`);
      if ((await Promise.race([spec.ready(), died])) && !exited(current)) return;
      if (spawnError || exited(current)) continue;
      if (Date.now() >= deadline) {
        await stop().catch(() => undefined);
        throw fail(`not accepting connections within ${spec.timeoutMs} ms`);
      }
      await delay(POLL_MS);
    }
  }

  async function destroy(): Promise<void> {
    if (destroyed) return;
    destroyed = true;
    try {
      await stop();
    } finally {
      tracked.delete(entry);
      await rm(spec.dir, { recursive: true, force: true });
    }
  }

  return {
    url: spec.url,
    port: spec.port,
    dir: spec.dir,
    get running() {
      return child !== undefined && !exited(child);
    },
    stop,
    start,
    destroy,
    logTail,
  };
}

/* ------------------------------------------------------------------------------------------------------------ */
/* PostgreSQL                                                                                                   */
/* ------------------------------------------------------------------------------------------------------------ */

/** The newest /usr/lib/postgresql/<version>/bin that has a postgres binary (override with TESSERA_PG_BIN). */
export function postgresBinDir(): string {
  const override = process.env.TESSERA_PG_BIN;
  if (override) return override;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(path.join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) throw new Error(`no PostgreSQL server binaries found under ${root}/<version>/bin (set TESSERA_PG_BIN)`);
  return path.join(root, newest, 'bin');
}

interface OsUser {
  uid: number;
  gid: number;
}

function lookupUser(name: string): OsUser {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  const fields = line?.split(':');
  if (!fields || fields.length < 4) throw new Error(`OS user '${name}' not found; PostgreSQL cannot run as root`);
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

/** When running as root, exec the command as the postgres OS user (setpriv execs in place: same PID). */
function asPostgres(cmd: string, args: string[]): { cmd: string; args: string[] } {
  if (process.getuid?.() !== 0) return { cmd, args };
  return { cmd: 'setpriv', args: ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', cmd, ...args] };
}

export async function startPrivatePostgres(options: PrivateServiceOptions = {}): Promise<PrivatePostgres> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const bin = postgresBinDir();
  const dir = await mkdtemp(path.join(tmpdir(), 'tessera-pg-'));
  try {
    if (process.getuid?.() === 0) {
      const { uid, gid } = lookupUser('postgres');
      chownSync(dir, uid, gid);
    }
    const dataDir = path.join(dir, 'data');
    const init = asPostgres(path.join(bin, 'initdb'), [
      '-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions',
    ]);
    const result = await run(init.cmd, init.args, { cwd: dir, timeoutMs });
    if (result.code !== 0) throw new Error(`initdb failed (exit ${result.code}):\n${result.output}`);

    // A free port can be taken between probing and binding; retry the first start on a fresh port.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const server = managedServer({
        name: 'PostgreSQL',
        dir,
        port,
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        logFile: path.join(dir, 'postgres.log'),
        timeoutMs,
        command: () =>
          asPostgres(path.join(bin, 'postgres'), [
            '-D', dataDir,
            '-p', String(port),
            '-c', 'listen_addresses=127.0.0.1',
            '-c', `unix_socket_directories=${dir}`,
            '-c', 'fsync=off',
            '-c', 'synchronous_commit=off',
            '-c', 'full_page_writes=off',
            '-c', 'max_connections=50',
            '-c', 'shared_buffers=16MB',
          ]),
        ready: async () => {
          const r = await run(path.join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-t', '2'], {
            timeoutMs: 5_000,
          });
          return r.code === 0;
        },
        // SIGINT = "fast" shutdown (like pg_ctl stop -m fast): clean, so data survives; SIGQUIT = "immediate".
        stopSignal: 'SIGINT',
        emergencySignal: 'SIGQUIT',
      });
      try {
        await server.start();
        return server;
      } catch (err) {
        const portClash = /could not bind|Address already in use/i.test(server.logTail(50));
        tracked.forEach((t) => t.dir === dir && tracked.delete(t));
        if (!portClash || attempt >= 3) throw err;
      }
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Redis                                                                                                        */
/* ------------------------------------------------------------------------------------------------------------ */

export async function startPrivateRedis(options: PrivateServiceOptions = {}): Promise<PrivateRedis> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const redisServer = process.env.TESSERA_REDIS_SERVER ?? '/usr/bin/redis-server';
  if (!existsSync(redisServer)) throw new Error(`redis-server not found at ${redisServer} (set TESSERA_REDIS_SERVER)`);
  const dir = await mkdtemp(path.join(tmpdir(), 'tessera-redis-'));
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const server = managedServer({
        name: 'Redis',
        dir,
        port,
        url: `redis://127.0.0.1:${port}`,
        logFile: path.join(dir, 'redis.log'),
        timeoutMs,
        command: () => ({
          cmd: redisServer,
          args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--logfile', ''],
        }),
        ready: async () => (await tcpConnects(port)) && (await redisPongs(port)),
        stopSignal: 'SIGTERM',
        emergencySignal: 'SIGKILL',
      });
      try {
        await server.start();
        return server;
      } catch (err) {
        const portClash = /Address already in use|Could not create server TCP listening socket/i.test(server.logTail(50));
        tracked.forEach((t) => t.dir === dir && tracked.delete(t));
        if (!portClash || attempt >= 3) throw err;
      }
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Whether anything accepts TCP connections on 127.0.0.1:port (bounded to 500 ms). */
export function isPortListening(port: number): Promise<boolean> {
  return tcpConnects(port, 500);
}
