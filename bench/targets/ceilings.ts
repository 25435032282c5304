/** The two ceilings measured in the same run: a Fastify hello-world server, and ES256 signatures on one core. */
import { execFileSync } from 'node:child_process';
import { startPinned, stopChild } from './target.js';

export async function startHello(root: string, port: number): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const code = `import Fastify from 'fastify'; const app = Fastify(); app.get('/', async () => ({ hello: 'world' })); await app.listen({ host: '127.0.0.1', port: ${port} });`;
  const child = await startPinned(['node', '--input-type=module', '-e', code], { PATH: process.env.PATH }, `http://127.0.0.1:${port}/`, root);
  return { url: `http://127.0.0.1:${port}/`, pid: child.pid!, stop: () => stopChild(child) };
}

/** µs per ES256 signature (node:crypto, P-1363 encoding) over a token-sized input, on CPU 0. */
export function es256SignMicros(): number {
  const code = `
    const { generateKeyPairSync, sign } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const input = Buffer.from('x'.repeat(400));
    for (let i = 0; i < 2000; i++) sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const n = 20000, t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    console.log(Number(process.hrtime.bigint() - t0) / 1000 / n);`;
  return Number(execFileSync('taskset', ['-c', '0', 'node', '--input-type=module', '-e', code]).toString().trim());
}
