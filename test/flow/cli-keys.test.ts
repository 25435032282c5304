/**
 * `tessera keys list` and `tessera keys rotate` (the built command, like cli.test.ts): states and ISO times, never
 * private material; a rotation while one is waiting is refused unless --force; bad input gets one line and exit 1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixture } from '../support/server.js';
import { cliEnv, runTessera } from '../support/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tessera-cli-keys-'));
const env = cliEnv(dir);
const tessera = (...args: string[]) => runTessera(env, dir, args);

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

interface Listed {
  kid: string;
  alg: string;
  state: string;
  activatesAt: string;
  retiresAt: string;
}

async function list(): Promise<Listed[]> {
  const result = await tessera('keys', 'list', '--community', 'acme');
  assert.equal(result.code, 0, result.stderr);
  const [header, ...lines] = result.stdout.trimEnd().split('\n');
  assert.deepEqual(header!.split(/\s+/), ['kid', 'alg', 'state', 'activates_at', 'retires_at']);
  assert.doesNotMatch(result.stdout, /PRIVATE|"d"|v1\./, 'no private key material, sealed or not');
  return lines.map((line) => {
    const [kid = '', alg = '', state = '', activatesAt = '', retiresAt = ''] = line.split(/\s+/);
    return { kid, alg, state, activatesAt, retiresAt };
  });
}

/** Exit 1 and exactly one line on stderr, matching `pattern`. */
async function refused(pattern: RegExp, ...args: string[]): Promise<void> {
  const result = await tessera(...args);
  assert.equal(result.code, 1, `${args.join(' ')}: ${result.stdout}`);
  assert.equal(result.stderr.trimEnd().split('\n').length, 1, `one line: ${result.stderr}`);
  assert.match(result.stderr.trimEnd(), pattern);
}

describe('tessera keys', () => {
  before(async () => {
    const file = path.join(dir, 'provisioning.json');
    writeFileSync(file, JSON.stringify(fixture()));
    const applied = await tessera('apply', file);
    assert.equal(applied.code, 0, applied.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the community keys: one active key per algorithm at first', async () => {
    const keys = await list();
    assert.deepEqual(keys.map((k) => [k.alg, k.state]), [['ES256', 'active'], ['RS256', 'active']]);
    for (const k of keys) {
      assert.match(k.kid, /^[A-Za-z0-9_-]{43}$/);
      assert.match(k.activatesAt, ISO);
      assert.equal(k.retiresAt, '-');
    }
  });

  it('rotates: new keys are NEXT, the active ones get a retire time; a second rotation is refused unless --force', async () => {
    const before = await list();
    const result = await tessera('keys', 'rotate', '--community', 'acme');
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    for (const [i, alg] of ['ES256', 'RS256'].entries()) {
      assert.match(lines[i]!, new RegExp(`^acme ${alg}: new key [A-Za-z0-9_-]{43} published, signs from \\S+Z; ${before[i]!.kid} retires at \\S+Z$`));
    }

    const keys = await list();
    assert.deepEqual(keys.map((k) => [k.alg, k.state]), [['ES256', 'next'], ['ES256', 'active'], ['RS256', 'next'], ['RS256', 'active']]);
    const [next, active] = [keys[0]!, keys[1]!];
    assert.equal(active.kid, before[0]!.kid);
    assert.match(active.retiresAt, ISO);
    // Default delay and lifetimes: activates in an hour, the old key retires an hour (token lifetime) + 60 s later.
    const activates = Date.parse(next.activatesAt);
    assert.ok(Math.abs(activates - Date.now() - 3600_000) < 60_000, next.activatesAt);
    assert.equal(Date.parse(active.retiresAt) - activates, (3600 + 60) * 1000);

    await refused(/^tessera: community acme already has a NEXT ES256 key \S+ \(published, signs from \S+Z\); .*--force/, 'keys', 'rotate', '--community', 'acme');
    await refused(/NEXT RS256 key/, 'keys', 'rotate', '--community=acme', '--alg', 'RS256');

    const forced = await tessera('keys', 'rotate', '--community', 'acme', '--alg=ES256', '--force');
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, new RegExp(`^acme ES256: new key \\S+ published, signs from \\S+; ${active.kid} retires at \\S+; replaced the waiting key ${next.kid}\\n$`));
    const after = await list();
    assert.equal(after.length, 4);
    assert.ok(!after.some((k) => k.kid === next.kid), 'the replaced NEXT key is gone');
    assert.deepEqual(after.filter((k) => k.alg === 'RS256'), keys.filter((k) => k.alg === 'RS256'), 'RS256 untouched');
  });

  it('answers an unknown community and bad flags with one line and exit 1', async () => {
    await refused(/^tessera: community "nope" does not exist$/, 'keys', 'rotate', '--community', 'nope');
    await refused(/^tessera: community "nope" does not exist$/, 'keys', 'list', '--community', 'nope');
    await refused(/^tessera: --alg must be ES256 or RS256, got "HS256"$/, 'keys', 'rotate', '--community', 'acme', '--alg', 'HS256');
    await refused(/^tessera: keys rotate needs --community NAME$/, 'keys', 'rotate');
    await refused(/^tessera: keys list needs --community NAME$/, 'keys', 'list');
    await refused(/^tessera: --community needs a value$/, 'keys', 'list', '--community');
    await refused(/^tessera: unknown option --force \(usage: tessera keys/, 'keys', 'list', '--community', 'acme', '--force');
    await refused(/^tessera: unknown option --colour/, 'keys', 'rotate', '--community', 'acme', '--colour');
    await refused(/^tessera: unexpected argument "acme"/, 'keys', 'rotate', 'acme');
    await refused(/^tessera: --force takes no value$/, 'keys', 'rotate', '--community', 'acme', '--force=yes');
    await refused(/^tessera: keys needs a subcommand/, 'keys');
    await refused(/^tessera: unknown keys subcommand "delete"/, 'keys', 'delete');
  });

  it('documents the keys commands in the help text', async () => {
    const help = await tessera('help');
    assert.match(help.stdout, /keys list --community NAME/);
    assert.match(help.stdout, /keys rotate --community NAME \[--alg ES256\|RS256\] \[--force\]/);
  });
});
