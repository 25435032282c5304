/**
 * Three Tessera processes over one PostgreSQL database, as behind a load balancer (one PUBLIC_URL, requests sent to
 * any node): started together (migrations and bootstrap race), a browser flow hopping between nodes, a refresh
 * token and a code redeemed concurrently on several nodes (honoured exactly once), logout on one node ending the
 * session everywhere, and a client change reaching every node within the change-poll interval.
 * Needs the PostgreSQL named by TESSERA_TEST_PG_URL (default postgres://root@127.0.0.1:5432/test).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { ALICE_PASSWORD, WEB_SECRET, fixture, freePort } from '../support/server.js';
import { TestBrowser, hiddenInputs } from '../support/browser.js';
import { pkcePair } from '../support/flows.js';

const root = path.resolve(import.meta.dirname, '../..');
const PG_ADMIN_URL = process.env.TESSERA_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';
const CHANGE_POLL_MS = 250;
const REDIRECT = 'http://127.0.0.1:7777/cb';

interface Node {
  child: ChildProcessWithoutNullStreams;
  base: string;
  output: () => string;
}

describe('three nodes over one PostgreSQL', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-nodes-'));
  const dbName = `tessera_nodes_${randomBytes(6).toString('hex')}`;
  const databaseUrl = Object.assign(new URL(PG_ADMIN_URL), { pathname: `/${dbName}` }).href;
  const provisioning = path.join(dir, 'provisioning.json');
  let publicUrl = '';
  let env: Record<string, string> = {};
  const nodes: Node[] = [];
  const issuer = () => `${publicUrl}/oauth2/community/acme`;
  /** The same URL, sent to node i (the load balancer's choice). */
  const on = (i: number, url: string) => {
    const u = new URL(url, publicUrl);
    return `${nodes[i]!.base}${u.pathname}${u.search}`;
  };

  async function startNode(port: number): Promise<Node> {
    const child = spawn(process.execPath, [path.join(root, 'dist/src/main.js')], { cwd: dir, env: { ...env, PORT: String(port) } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    return { child, base: `http://127.0.0.1:${port}`, output: () => output };
  }

  async function ready(node: Node): Promise<void> {
    for (let i = 0; i < 150; i++) {
      if (node.child.exitCode !== null) break;
      try {
        if ((await fetch(`${node.base}/oauth2/readyz`)).status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`node did not become ready:\n${node.output()}`);
  }

  before(async () => {
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    writeFileSync(provisioning, JSON.stringify(fixture(REDIRECT)));
    const ports = [await freePort(), await freePort(), await freePort()];
    publicUrl = `http://127.0.0.1:${ports[0]}`;
    env = {
      PATH: process.env.PATH ?? '',
      PUBLIC_URL: publicUrl,
      DATABASE_URL: databaseUrl,
      TESSERA_BOOTSTRAP: provisioning,
      TESSERA_MASTER_KEY: 'cd'.repeat(32),
      PASSWORD_HASH_COST: '1024',
      CHANGE_POLL_INTERVAL_MS: String(CHANGE_POLL_MS),
      LOG_LEVEL: 'warn',
      // Under `npm run test:redis`: short-lived state and change notifications through Redis.
      ...(process.env.TESSERA_TEST_REDIS ? { REDIS_URL: process.env.TESSERA_TEST_REDIS, REDIS_PREFIX: `${dbName}:` } : {}),
    };
    // All three at once: migrations and the bootstrap file race, and every node must come up.
    nodes.push(...(await Promise.all(ports.map((port) => startNode(port)))));
    await Promise.all(nodes.map(ready));
  });

  after(async () => {
    await Promise.all(
      nodes.map(
        (n) =>
          new Promise<void>((resolve) => {
            if (n.child.exitCode !== null) return resolve();
            n.child.once('exit', () => resolve());
            n.child.kill('SIGTERM');
          }),
      ),
    );
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Authorize on node 0, every later browser step on the next node in turn; returns the code and PKCE verifier. */
  async function codeAcrossNodes(browser: TestBrowser, clientId: string): Promise<{ code: string; verifier: string; steps: number[] }> {
    const { verifier, challenge } = pkcePair();
    const query = new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid offline_access', redirect_uri: REDIRECT, state: 's', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256' });
    let node = 0;
    const steps = [node];
    let url = on(node, `${issuer()}/v1/authorize?${query}`);
    let res = await browser.get(url);
    for (let hop = 0; hop < 12; hop++) {
      if (res.status >= 300 && res.status < 400) {
        const location = new URL(res.headers.get('location')!, url);
        if (location.href.startsWith(REDIRECT)) {
          const code = location.searchParams.get('code');
          assert.ok(code, `redirect carries a code: ${location.href}`);
          return { code, verifier, steps };
        }
        node = (node + 1) % nodes.length;
        steps.push(node);
        url = on(node, location.href);
        res = await browser.get(url);
        continue;
      }
      const html = await res.text();
      assert.equal(res.status, 200, html.slice(0, 300));
      const form = hiddenInputs(html);
      node = (node + 1) % nodes.length;
      steps.push(node);
      url = on(node, url);
      res = html.includes('name="password"')
        ? await browser.post(url, { ...form, username: 'alice', password: ALICE_PASSWORD })
        : await browser.post(url, { ...form, decision: 'allow' });
    }
    throw new Error('flow did not reach the client');
  }

  const web = `Basic ${Buffer.from(`web:${WEB_SECRET}`).toString('base64')}`;
  const token = (i: number, form: Record<string, string>) =>
    fetch(on(i, `${issuer()}/v1/token`), { method: 'POST', headers: { authorization: web, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });

  it('every node serves the same issuer and the same keys', async () => {
    const jwks = await Promise.all(nodes.map(async (_, i) => (await fetch(on(i, `${issuer()}/v1/jwks`))).text()));
    assert.equal(new Set(jwks).size, 1);
    const discovery = (await (await fetch(on(2, `${issuer()}/.well-known/openid-configuration`))).json()) as { issuer: string };
    assert.equal(discovery.issuer, issuer());
  });

  it('authorize on one node, log in on another, redeem the code on a third', async () => {
    const { code, verifier, steps } = await codeAcrossNodes(new TestBrowser(), 'web');
    assert.ok(new Set(steps).size >= 3, `the flow visited every node (${steps.join(' → ')})`);
    const res = await token(2, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, string>;
    assert.ok(body.access_token && body.id_token && body.refresh_token);
  });

  it('a code redeemed at once on three nodes is honoured exactly once', async () => {
    const { code, verifier } = await codeAcrossNodes(new TestBrowser(), 'web');
    const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier };
    const statuses = await Promise.all([0, 1, 2].map(async (i) => (await token(i, form)).status));
    assert.deepEqual([...statuses].sort(), [200, 400, 400], `statuses ${statuses.join(', ')}`);
  });

  it('a refresh token presented at once to two nodes is honoured exactly once; the loser gets invalid_grant', async () => {
    const { code, verifier } = await codeAcrossNodes(new TestBrowser(), 'web');
    const first = (await (await token(0, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier })).json()) as Record<string, string>;
    const results = await Promise.all([1, 2].map(async (i) => token(i, { grant_type: 'refresh_token', refresh_token: first.refresh_token! })));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 400]);
    const loser = results.find((r) => r.status === 400)!;
    assert.equal(((await loser.json()) as { error: string }).error, 'invalid_grant');
  });

  it('logging out on one node ends the session on every node', async () => {
    const browser = new TestBrowser();
    const { code, verifier } = await codeAcrossNodes(browser, 'web');
    const tokens = (await (await token(1, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier })).json()) as Record<string, string>;
    const silent = (i: number) =>
      browser.get(on(i, `${issuer()}/v1/authorize?${new URLSearchParams({ client_id: 'web', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, prompt: 'none', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })}`));
    for (const i of [0, 1, 2]) assert.match((await silent(i)).headers.get('location') ?? '', /[?&]code=/, `signed in on node ${i}`);
    const page = await browser.get(on(0, `${issuer()}/v1/logout?${new URLSearchParams({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:7777/bye' })}`));
    const done = await browser.post(on(0, `${issuer()}/v1/logout`), { ...hiddenInputs(await page.text()), logout: 'yes' });
    assert.equal(done.status, 303);
    for (const i of [0, 1, 2]) assert.match((await silent(i)).headers.get('location') ?? '', /error=login_required/, `signed out on node ${i}`);
  });

  it(`a client changed through one node (tessera apply) is seen by every node within ${CHANGE_POLL_MS} ms plus a poll`, async () => {
    const newUri = 'http://127.0.0.1:7777/moved';
    const url = (i: number) =>
      on(i, `${issuer()}/v1/authorize?${new URLSearchParams({ client_id: 'web', response_type: 'code', scope: 'openid', redirect_uri: newUri, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })}`);
    // Every node caches the client as it is now.
    for (const i of [0, 1, 2]) assert.equal((await fetch(url(i), { redirect: 'manual' })).status, 400);
    const doc = fixture(REDIRECT) as { communities: { clients: { client_id: string; redirect_uris: string[] }[] }[] };
    doc.communities[0]!.clients.find((c) => c.client_id === 'web')!.redirect_uris.push(newUri);
    const changed = path.join(dir, 'changed.json');
    writeFileSync(changed, JSON.stringify(doc));
    await promisify(execFile)(process.execPath, [path.join(root, 'bin/tessera.js'), 'apply', changed], { cwd: dir, env });
    const appliedAt = Date.now();
    const seenAfter: number[] = [];
    for (const i of [0, 1, 2]) {
      for (;;) {
        if ((await fetch(url(i), { redirect: 'manual' })).status === 303) break;
        assert.ok(Date.now() - appliedAt < 5000, `node ${i} did not see the change`);
        await new Promise((r) => setTimeout(r, 20));
      }
      seenAfter.push(Date.now() - appliedAt);
    }
    // The bound: one poll interval, plus the poll's own query and scheduling slack.
    assert.ok(Math.max(...seenAfter) <= CHANGE_POLL_MS + 750, `seen after ${seenAfter.join(', ')} ms`);
  });
});
