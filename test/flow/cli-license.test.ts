/**
 * `tessera license create`: prints the license key once, stores only its hash, and refuses bad levels, short keys and
 * community licenses without a community with one line and exit code 1.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { cliEnv, runTessera } from '../support/cli.js';
import { loadConfig } from '../../src/config.js';
import { createProvider } from '../../src/runtime/create-provider.js';
import { findLicense } from '../../src/service/licenses.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tessera-cli-license-'));
const env = cliEnv(dir);
const tessera = (args: string[], extra: NodeJS.ProcessEnv = {}) => runTessera({ ...env, ...extra }, dir, args);

describe('tessera license create', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates licenses whose keys are printed once and found by hash', async () => {
    const system = await tessera(['license', 'create', '--level', 'system', '--tag', 'ops', '--expiry', '2030-01-01T00:00:00Z']);
    assert.equal(system.code, 0, system.stderr);
    const systemKey = system.stdout.trim();
    assert.ok(systemKey.length >= 32);
    const chosen = 'lic-acme-0123456789abcdefghijklmnopqrstuvwxyz';
    const community = await tessera(['license', 'create', '--level', 'community', '--community', 'acme', '--days', '30'], { TESSERA_LICENSE_KEY: chosen });
    assert.equal(community.code, 0, community.stderr);
    assert.equal(community.stdout.trim(), chosen);
    const again = await tessera(['license', 'create', '--level', 'community', '--community', 'acme'], { TESSERA_LICENSE_KEY: chosen });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);

    const provider = await createProvider(loadConfig({ ...env, LOG_LEVEL: 'silent' }), pino({ level: 'silent' }));
    try {
      const ops = await findLicense(provider, systemKey);
      assert.deepEqual(ops, { tag: 'ops', type: 'service', authLevel: 'system', community: null, expiry: Date.parse('2030-01-01T00:00:00Z') / 1000, disabled: false });
      const acme = await findLicense(provider, chosen);
      assert.equal(acme?.community, 'acme');
      assert.ok(Math.abs(acme!.expiry - (Math.floor(Date.now() / 1000) + 30 * 86400)) < 60);
      const stored = await provider.db.selectFrom('licenses').selectAll().execute();
      assert.equal(stored.length, 2);
      for (const row of stored) assert.ok(!JSON.stringify(row).includes(systemKey) && !JSON.stringify(row).includes(chosen), 'the key itself is not stored');
    } finally {
      await provider.close();
    }
  });

  it('refuses bad input with one line and exit 1, creating nothing', async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['license', 'create'], {}, /--level must be one of system, service, community/],
      [['license', 'create', '--level', 'root'], {}, /--level must be one of/],
      [['license', 'create', '--level', 'community'], {}, /needs a community/],
      [['license', 'create', '--level', 'system', '--community', 'acme'], {}, /not bound to a community/],
      [['license', 'create', '--level', 'system'], { TESSERA_LICENSE_KEY: 'short-key' }, /at least 32 characters/],
      [['license', 'create', '--level', 'system', '--expiry', 'tomorrow'], {}, /--expiry must be an ISO 8601/],
      [['license', 'list'], {}, /unknown license subcommand/],
    ];
    for (const [args, extra, message] of cases) {
      const result = await tessera(args, extra);
      assert.equal(result.code, 1, args.join(' '));
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1);
    }
  });
});
