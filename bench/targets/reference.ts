/** The reference: bench/reference-server.mjs, a small server on the npm package oidc-provider doing the same work. */
import { REDIRECT_URI, SECRETS, USER, discover, startPinned, stopChild, type RunningTarget } from './target.js';

export async function startReference(root: string, port: number): Promise<RunningTarget> {
  const base = `http://127.0.0.1:${port}`;
  const issuer = `${base}/oidc`;
  const env = { PATH: process.env.PATH, PORT: String(port), ISSUER: issuer, NODE_ENV: 'production' };
  const child = await startPinned(['node', 'bench/reference-server.mjs'], env, `${base}/healthz`, root);
  return {
    name: 'reference',
    pid: child.pid!,
    endpoints: await discover(`${issuer}/.well-known/openid-configuration`),
    clients: SECRETS,
    redirectUri: REDIRECT_URI,
    user: USER,
    stop: () => stopChild(child),
  };
}
