/** The signing key rotation rules (src/keys/key-rotation.ts): states, transitions, retire times, scheduling. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  activeKey,
  isPublished,
  keyStates,
  newKeyActivation,
  nextKeys,
  nextTransition,
  RETIRE_MARGIN_SECONDS,
  retireTime,
  rotationDue,
  type KeyTimes,
} from '../../src/keys/key-rotation.js';
import { generateSigningKey, jwksDocument, loadCommunityKeys } from '../../src/keys/signing-keys.js';
import { decodeMasterKey, deriveKeys } from '../../src/keys/master-key.js';
import { loadConfig } from '../../src/config.js';

const key = (kid: string, activates_at: number, retires_at: number | null = null, alg = 'ES256', created_at = activates_at): KeyTimes => ({
  kid,
  alg,
  created_at,
  activates_at,
  retires_at,
});

/** old (active since 0) superseded by new (activates at 1000), old retires at 5000. */
const rotation = [key('old', 0, 5000), key('new', 1000, null, 'ES256', 500)];

describe('key states', () => {
  it('before activation: the old key is ACTIVE, the new one NEXT (published, not signing)', () => {
    const states = keyStates(rotation, 999);
    assert.equal(states.get('old'), 'active');
    assert.equal(states.get('new'), 'next');
    assert.equal(activeKey(rotation, 'ES256', 999)?.kid, 'old');
    assert.deepEqual(nextKeys(rotation, 'ES256', 999).map((k) => k.kid), ['new']);
  });

  it('at activates_at the new key is ACTIVE and the old one RETIRING until retires_at', () => {
    for (const now of [1000, 1001, 4999]) {
      const states = keyStates(rotation, now);
      assert.equal(states.get('new'), 'active', `at ${now}`);
      assert.equal(states.get('old'), 'retiring', `at ${now}`);
    }
  });

  it('at retires_at the old key is RETIRED: not published', () => {
    const states = keyStates(rotation, 5000);
    assert.equal(states.get('old'), 'retired');
    assert.equal(states.get('new'), 'active');
    assert.equal(isPublished('retired'), false);
    for (const s of ['next', 'active', 'retiring'] as const) assert.equal(isPublished(s), true, s);
  });

  it('the active key is the one with the greatest activates_at ≤ now, whatever the order of the rows', () => {
    const keys = [key('b', 200, 900), key('c', 300), key('a', 100, 300), key('d', 5000)];
    assert.equal(activeKey(keys, 'ES256', 350)?.kid, 'c');
    const states = keyStates([...keys].reverse(), 350);
    assert.deepEqual(Object.fromEntries(states), { a: 'retired', b: 'retiring', c: 'active', d: 'next' });
  });

  it('the active key keeps signing even past its retires_at until a newer key activates (never no signing key)', () => {
    const states = keyStates([key('only', 0, 100)], 200);
    assert.equal(states.get('only'), 'active');
  });

  it('an older key without retires_at stays RETIRING (published)', () => {
    const states = keyStates([key('legacy', 0), key('current', 10)], 20);
    assert.equal(states.get('legacy'), 'retiring');
  });

  it('each algorithm has its own active key', () => {
    const keys = [key('es-old', 0, 9000, 'ES256'), key('es-new', 100, null, 'ES256'), key('rs', 0, null, 'RS256'), key('rs-next', 500, null, 'RS256')];
    const states = keyStates(keys, 200);
    assert.deepEqual(Object.fromEntries(states), { 'es-new': 'active', 'es-old': 'retiring', rs: 'active', 'rs-next': 'next' });
    assert.equal(activeKey(keys, 'RS256', 200)?.kid, 'rs');
  });

  it('ties on activates_at are broken the same way everywhere (created_at, then kid)', () => {
    assert.equal(activeKey([key('a', 10, null, 'ES256', 1), key('b', 10, null, 'ES256', 2)], 'ES256', 10)?.kid, 'b');
    assert.equal(activeKey([key('b', 10, null, 'ES256', 1), key('a', 10, null, 'ES256', 1)], 'ES256', 10)?.kid, 'b');
    assert.equal(activeKey([key('a', 10, null, 'ES256', 1), key('b', 10, null, 'ES256', 1)], 'ES256', 10)?.kid, 'b');
  });
});

describe('transitions', () => {
  it('the next transition is the earliest future activates_at or retires_at', () => {
    assert.equal(nextTransition(rotation, 0), 1000);
    assert.equal(nextTransition(rotation, 999), 1000);
    assert.equal(nextTransition(rotation, 1000), 5000);
    assert.equal(nextTransition(rotation, 5000), Infinity);
    assert.equal(nextTransition([key('x', 0)], 10), Infinity);
  });
});

describe('rotation times', () => {
  const lifetimes = { accessToken: 3600, idToken: 7200 };

  it('a superseded key retires after the longest token lifetime plus a margin after the new key activates', () => {
    assert.equal(RETIRE_MARGIN_SECONDS, 60);
    assert.equal(retireTime(10_000, lifetimes), 10_000 + 7200 + 60);
    assert.equal(retireTime(10_000, { accessToken: 900, idToken: 300 }), 10_000 + 900 + 60);
  });

  it('a new key activates after the publish delay, and always after the keys already active', () => {
    assert.equal(newKeyActivation([key('a', 0)], 'ES256', 1000, 3600), 4600);
    assert.equal(newKeyActivation([key('a', 1000)], 'ES256', 1000, 0), 1001, 'delay 0 in the second the active key activated');
    assert.equal(newKeyActivation([key('a', 1000, null, 'RS256')], 'ES256', 1000, 0), 1000, 'other algorithms do not count');
  });

  it('scheduled rotation is due when the active key is KEY_ROTATION_DAYS old and no NEXT key exists', () => {
    const day = 86400;
    assert.equal(rotationDue([key('a', 0)], 'ES256', 90 * day - 1, 90), false);
    assert.equal(rotationDue([key('a', 0)], 'ES256', 90 * day, 90), true);
    assert.equal(rotationDue([key('a', 0), key('n', 91 * day)], 'ES256', 90 * day, 90), false, 'a rotation is under way');
    assert.equal(rotationDue([key('a', 0), key('n', 91 * day)], 'ES256', 91 * day, 90), false, 'the new key is young');
    assert.equal(rotationDue([key('a', 0)], 'ES256', 1000 * day, 0), false, '0 turns it off');
    assert.equal(rotationDue([key('a', 0, null, 'RS256')], 'ES256', 0, 90), true, 'no key of the algorithm at all');
  });
});

describe('loading stored keys', () => {
  const sealing = deriveKeys(decodeMasterKey('ab'.repeat(32))).sealing;

  it('signs with the ACTIVE key, publishes NEXT + ACTIVE + RETIRING only, and says when to load again', async () => {
    const [esOld, esNew, esRetired, rs] = await Promise.all([
      generateSigningKey('ES256', sealing, 100, 100),
      generateSigningKey('ES256', sealing, 1000, 2000),
      generateSigningKey('ES256', sealing, 0, 0),
      generateSigningKey('RS256', sealing, 100, 100),
    ]);
    esOld!.retires_at = 6000;
    esRetired!.retires_at = 150;
    const rows = [esOld!, esNew!, esRetired!, rs!];

    const before = loadCommunityKeys(rows, sealing, 1500);
    assert.equal(before.active.ES256.kid, esOld!.kid);
    assert.equal(before.active.RS256.kid, rs!.kid);
    assert.deepEqual(new Set(before.published.map((k) => k.kid)), new Set([esNew!.kid, esOld!.kid, rs!.kid]));
    assert.equal(before.validUntil, 2000);
    assert.deepEqual(jwksDocument(before).keys.map((k) => k.kid), before.published.map((k) => k.kid));
    for (const jwk of jwksDocument(before).keys) assert.ok(!('d' in jwk));

    const after = loadCommunityKeys(rows, sealing, 2000);
    assert.equal(after.active.ES256.kid, esNew!.kid);
    assert.equal(after.validUntil, 6000);

    const retired = loadCommunityKeys(rows, sealing, 6000);
    assert.deepEqual(new Set(retired.published.map((k) => k.kid)), new Set([esNew!.kid, rs!.kid]));
    assert.equal(retired.validUntil, Infinity);
  });

  it('a new community key activates when it is created', async () => {
    const k = await generateSigningKey('RS256', sealing, 1234);
    assert.equal(k.activates_at, 1234);
    assert.equal(k.retires_at, null);
  });
});

describe('key rotation settings', () => {
  it('KEY_ROTATION_DAYS defaults to 90 (0 turns it off), KEY_PUBLISH_DELAY_SECONDS to 3600 (0 allowed)', () => {
    const defaults = loadConfig({});
    assert.equal(defaults.keyRotationDays, 90);
    assert.equal(defaults.keyPublishDelaySeconds, 3600);
    const set = loadConfig({ KEY_ROTATION_DAYS: '0', KEY_PUBLISH_DELAY_SECONDS: '0' });
    assert.equal(set.keyRotationDays, 0);
    assert.equal(set.keyPublishDelaySeconds, 0);
    assert.throws(() => loadConfig({ KEY_ROTATION_DAYS: '-1' }), /KEY_ROTATION_DAYS must be a whole number/);
    assert.throws(() => loadConfig({ KEY_PUBLISH_DELAY_SECONDS: 'soon' }), /KEY_PUBLISH_DELAY_SECONDS must be a whole number/);
  });
});
