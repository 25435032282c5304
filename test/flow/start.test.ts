/**
 * What `npm start` promises a newcomer: the built server starts with no configuration on an empty data directory,
 * prints the demo once, and a person can follow the printed URL, sign in, and exchange the code with the printed
 * curl values. SIGTERM drains and exits 0; a second start does not print the demo again.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { ALICE_PASSWORD, CC_SECRET, fixture, freePort } from '../support/server.js';
import { TestBrowser, hiddenInputs } from '../support/browser.js';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'tessera-start-'));

interface Started {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  base: string;
}

async function start(port: number, extraEnv: Record<string, string> = {}, cwd = dir): Promise<Started> {
  // The same entry point `npm start` runs (after `npm ci`/`prestart` built it), with no configuration but the port.
  const child = spawn(process.execPath, [path.join(root, 'dist/src/main.js')], { cwd, env: { PATH: process.env.PATH, PORT: String(port), PASSWORD_HASH_COST: '1024', ...extraEnv } });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const base = `http://localhost:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/oauth2/healthz`)).status === 200) return { child, output: () => output, base };
    } catch {
      // not yet listening
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not become ready:\n${output}`);
}

async function stop(started: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
  started.child.kill('SIGTERM');
  return exited;
}

describe('npm start on an empty directory', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the demo community end to end and shuts down cleanly', async () => {
    const port = await freePort();
    const server = await start(port);
    const text = server.output();
    assert.match(text, /TESSERA_MASTER_KEY is not set/, 'warns loudly about the dev master key');
    const secret = /Client:\s+demo-client \/ (\S+)/.exec(text)?.[1];
    const password = /User:\s+demo \/ (\S+)/.exec(text)?.[1];
    const authorize = /^(http\S+\/v1\/authorize\?\S+)$/m.exec(text)?.[1];
    const verifier = /code_verifier=(\S+)/.exec(text)?.[1];
    assert.ok(secret && password && authorize && verifier, `demo banner printed:\n${text}`);

    const browser = new TestBrowser();
    let { url, response } = await browser.follow(authorize);
    let html = await response.text();
    assert.match(html, /name="password"/);
    ({ url, response } = await browser.follow(url, await browser.post(url, { ...hiddenInputs(html), username: 'demo', password })));
    html = await response.text();
    assert.match(html, /name="decision"/);
    ({ url, response } = await browser.follow(url, await browser.post(url, { ...hiddenInputs(html), decision: 'allow' })));
    assert.equal(new URL(url).pathname, '/oauth2/demo/callback');
    const code = new URL(url).searchParams.get('code');
    assert.ok(code);
    assert.match(await response.text(), new RegExp(code));

    const token = await fetch(`${server.base}/oauth2/community/demo/v1/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`demo-client:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: `${server.base}/oauth2/demo/callback`, code_verifier: verifier }).toString(),
    });
    assert.equal(token.status, 200);
    const tokens = (await token.json()) as Record<string, string>;
    assert.ok(tokens.id_token && tokens.refresh_token);

    assert.equal(await stop(server), 0, 'SIGTERM exits 0');

    const again = await start(port);
    assert.doesNotMatch(again.output(), /shown once/, 'the demo is created once');
    assert.equal(await stop(again), 0);
  });

  it('applies TESSERA_BOOTSTRAP at every start and then skips the demo', async () => {
    const other = mkdtempSync(path.join(tmpdir(), 'tessera-bootstrap-'));
    try {
      const file = path.join(other, 'provisioning.json');
      writeFileSync(file, JSON.stringify(fixture()));
      const port = await freePort();
      const server = await start(port, { TESSERA_BOOTSTRAP: file, TESSERA_MASTER_KEY: 'ef'.repeat(32) }, other);
      assert.doesNotMatch(server.output(), /shown once|TESSERA_MASTER_KEY is not set/);
      const discovery = await fetch(`${server.base}/oauth2/community/acme/.well-known/openid-configuration`);
      assert.equal(discovery.status, 200);
      assert.equal(((await discovery.json()) as { issuer: string }).issuer, `${server.base}/oauth2/community/acme`);
      assert.equal((await fetch(`${server.base}/oauth2/community/demo/v1/jwks`)).status, 404);
      assert.equal(await stop(server), 0);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('SIGTERM lets requests in flight finish, then exits 0', async () => {
    const other = mkdtempSync(path.join(tmpdir(), 'tessera-drain-'));
    try {
      const file = path.join(other, 'provisioning.json');
      writeFileSync(file, JSON.stringify(fixture()));
      const port = await freePort();
      // Production password hashing: each password grant below takes a noticeable time (scrypt N=32768).
      const server = await start(port, { TESSERA_BOOTSTRAP: file, TESSERA_MASTER_KEY: 'ef'.repeat(32), PASSWORD_HASH_COST: '32768' }, other);
      const passwordGrant = () =>
        fetch(`${server.base}/oauth2/community/acme/v1/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'password', client_id: 'legacy', client_secret: CC_SECRET, username: 'alice', password: ALICE_PASSWORD }).toString(),
        });
      const inFlight = [passwordGrant(), passwordGrant(), passwordGrant()];
      await new Promise((resolve) => setTimeout(resolve, 50));
      const exited = stop(server);
      const statuses = await Promise.all(inFlight.map(async (r) => (await r).status));
      assert.deepEqual(statuses, [200, 200, 200], 'every request in flight was answered');
      assert.equal(await exited, 0);
      assert.match(server.output(), /draining and shutting down/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
