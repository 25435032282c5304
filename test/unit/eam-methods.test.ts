/** The EAM acr/amr rules (src/eam/methods.ts): parsing Entra's `claims`, and the acr answered for a method. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { acrFor, answerMethod, methodType, parseEamClaims, usableFactors } from '../../src/eam/methods.js';
import { OAuthError } from '../../src/oauth/errors.js';

const claims = (idToken: unknown) => JSON.stringify({ id_token: idToken });

describe('EAM acr and amr', () => {
  it('parses Microsoft’s example request, keeping known values only', () => {
    const parsed = parseEamClaims(claims({ acr: { essential: true, values: ['possessionorinherence', 'made-up'] }, amr: { essential: true, values: ['face', 'fido', 'otp', 'pwd'] } }));
    assert.deepEqual(parsed, { acr: ['possessionorinherence'], amr: ['face', 'fido', 'otp'] });
  });

  it('refuses claims without known acr values, malformed JSON and wrong shapes', () => {
    const bad = [undefined, 'not json', 'null', claims(null), claims({}), claims({ acr: { values: ['made-up'] } }), claims({ acr: { values: 'possession' } }), claims({ acr: 'possession' })];
    for (const raw of bad) assert.throws(() => parseEamClaims(raw), (err: unknown) => err instanceof OAuthError && err.error === 'invalid_request', String(raw));
  });

  it('types methods as Entra does: possession or inherence, no knowledge', () => {
    for (const m of ['fido', 'hwk', 'otp', 'pop', 'sc', 'sms', 'swk', 'tel']) assert.equal(methodType(m), 'possession');
    for (const m of ['face', 'fpt', 'iris', 'retina', 'vbm']) assert.equal(methodType(m), 'inherence');
    for (const m of ['pwd', 'mfa', 'kba', '']) assert.equal(methodType(m), undefined);
  });

  it('answers the first requested acr the method satisfies, and nothing for a method Entra did not list', () => {
    assert.equal(acrFor({ acr: ['possessionorinherence'], amr: [] }, 'otp'), 'possessionorinherence');
    assert.equal(acrFor({ acr: ['knowledge', 'inherence', 'knowledgeorpossession'], amr: [] }, 'fido'), 'knowledgeorpossession');
    assert.equal(acrFor({ acr: ['inherence'], amr: [] }, 'otp'), undefined);
    assert.equal(acrFor({ acr: ['knowledge'], amr: [] }, 'otp'), undefined);
    assert.equal(acrFor({ acr: ['possession'], amr: ['sms'] }, 'otp'), undefined);
    assert.equal(acrFor({ acr: ['possession'], amr: ['otp'] }, 'pwd'), undefined);
  });

  it('a factor is usable when one of the methods it reports is accepted; one method is reported', () => {
    assert.deepEqual(usableFactors({ acr: ['possession'], amr: ['fido'] }, ['otp', 'fido']), ['fido']);
    assert.deepEqual(usableFactors({ acr: ['possessionorinherence'], amr: [] }, ['otp', 'fido']), ['otp', 'fido']);
    assert.deepEqual(usableFactors({ acr: ['inherence'], amr: [] }, ['otp', 'fido']), []);
    assert.equal(answerMethod({ acr: ['possession'], amr: ['fido'] }, ['hwk', 'fido']), 'fido');
    assert.equal(answerMethod({ acr: ['possession'], amr: [] }, ['swk', 'fido']), 'swk');
    assert.equal(answerMethod({ acr: ['possession'], amr: ['sms'] }, ['otp']), undefined);
  });
});
