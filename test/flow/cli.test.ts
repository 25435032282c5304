/**
 * `tessera apply FILE` (what `npx tessera apply` runs) and TESSERA_BOOTSTRAP at start: the provisioning file is applied,
 * idempotently, and a bad file is refused with a one-line message naming the field, changing nothing.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixture } from '../support/server.js';
import { cliEnv, runTessera } from '../support/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tessera-cli-'));
const env = cliEnv(dir);
const tessera = (...args: string[]) => runTessera(env, dir, args);

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
    const result = await runTessera({ ...env, DATABASE_URL: 'mysql://nope' }, dir, ['migrate']);
    assert.equal((result as { code: number }).code, 1);
    assert.match((result as { stderr: string }).stderr, /DATABASE_URL must start with sqlite: or postgres:\/\//);
  });
});
