/** What the scenarios need from a server under test, and how to start one pinned to CPU 0. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Credentials {
  id: string;
  secret: string;
}

export interface Endpoints {
  discovery: string;
  jwks: string;
  authorization: string;
  token: string;
  introspection: string;
  userinfo: string;
}

export interface RunningTarget {
  name: string;
  pid: number;
  endpoints: Endpoints;
  clients: { ccJwt: Credentials; ccOpaque: Credentials; web: Credentials };
  redirectUri: string;
  user: { username: string; password: string };
  stop(): Promise<void>;
}

export const SECRETS = {
  ccJwt: { id: 'cc-jwt', secret: 'cc-jwt-secret-0123456789abcdefghijklmnop' },
  ccOpaque: { id: 'cc-opaque', secret: 'cc-opaque-secret-0123456789abcdefghijklm' },
  web: { id: 'web', secret: 'web-secret-k9Qm2xV7pL4wZ8rT3nB6yH5c' },
};
export const REDIRECT_URI = 'http://127.0.0.1:7777/cb';
export const USER = { username: 'alice', password: 'correct horse battery staple' };

export function basicAuth(c: Credentials): string {
  return 'Basic ' + Buffer.from(`${encodeURIComponent(c.id)}:${encodeURIComponent(c.secret)}`).toString('base64');
}

/** Starts `command` on CPU 0 and waits until `readyUrl` answers 200 (30 s at most). */
export async function startPinned(command: string[], env: NodeJS.ProcessEnv, readyUrl: string, cwd: string): Promise<ChildProcess> {
  const child = spawn('taskset', ['-c', '0', ...command], { env, cwd, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${command.join(' ')} exited with ${child.exitCode}`);
    try {
      if ((await fetch(readyUrl)).status === 200) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${readyUrl} not ready after 30 s`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export async function discover(discoveryUrl: string): Promise<Endpoints> {
  const doc = (await (await fetch(discoveryUrl)).json()) as Record<string, string>;
  const need = (k: string) => {
    const v = doc[k];
    if (typeof v !== 'string') throw new Error(`discovery at ${discoveryUrl} has no ${k}`);
    return v;
  };
  return {
    discovery: discoveryUrl,
    jwks: need('jwks_uri'),
    authorization: need('authorization_endpoint'),
    token: need('token_endpoint'),
    introspection: need('introspection_endpoint'),
    userinfo: need('userinfo_endpoint'),
  };
}
