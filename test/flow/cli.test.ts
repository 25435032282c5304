/**
 * `tessera apply FILE` (what `npx tessera apply` runs) and TESSERA_BOOTSTRAP at start: the provisioning file is applied,
 * idempotently, and a bad file is refused with a one-line message naming the field, changing nothing.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fixture } from '../support/server.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'tessera-cli-'));
const env = { PATH: process.env.PATH, TESSERA_DATA_DIR: dir, TESSERA_MASTER_KEY: 'cd'.repeat(32), PASSWORD_HASH_COST: '1024', DATABASE_URL: `sqlite://${path.join(dir, 'cli.db')}` };

async function tessera(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(root, 'bin/tessera.js'), ...args], { env, cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the tessera command', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('applies a provisioning file, then the same file again without changes', async () => {
    const file = path.join(dir, 'provisioning.json');
    writeFileSync(file, JSON.stringify(fixture()));
    const first = await tessera('apply', file);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /applied .*: \d+ created, 0 updated/);
    assert.match(first.stdout, /\+ acme\/client\/web/);
    const second = await tessera('apply', file);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /0 created, 0 updated/);
  });

  it('refuses an invalid file with one line naming the field, and exits 1', async () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ communities: [{ name: 'other', clients: [{ client_id: 'x', client_secret: 'too-short' }] }] }));
    const result = await tessera('apply', file);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim(), 'tessera: /communities/0/clients/0/client_secret: must be at least 32 characters');
    writeFileSync(file, '{ not json');
    assert.match((await tessera('apply', file)).stderr, /bad\.json is not valid JSON/);
    assert.match((await tessera('apply', path.join(dir, 'missing.json'))).stderr, /ENOENT/);
  });

  it('answers help, migrate, and an unknown command', async () => {
    assert.match((await tessera('help')).stdout, /apply FILE/);
    assert.match((await tessera('migrate')).stdout, /up to date/);
    const unknown = await tessera('frobnicate');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown command/);
  });

  it('refuses a bad configuration value naming the variable', async () => {
    const result = await run(process.execPath, [path.join(root, 'bin/tessera.js'), 'migrate'], { env: { ...env, DATABASE_URL: 'mysql://nope' } }).catch((e: { code: number; stderr: string }) => e);
    assert.equal((result as { code: number }).code, 1);
    assert.match((result as { stderr: string }).stderr, /DATABASE_URL must start with sqlite: or postgres:\/\//);
  });
});
