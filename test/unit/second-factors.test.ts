/** Second-factor rules without a server: acr levels and methods (identity/acr.ts), TOTP steps and secrets (identity/totp.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';
import { MULTI_FACTOR_ACR, PASSWORD_ACR, acrAfterSecondFactor, acrValuesDemandMfa, addMethods, isMultiFactor } from '../../src/identity/acr.js';
import { matchingStep, normalizeBase32Secret } from '../../src/identity/totp.js';

const REFEDS_MFA = 'https://refeds.org/profile/mfa';

describe('acr and amr for second factors', () => {
  it('counts factors: the password alone is one; a second factor (or mfa) makes two', () => {
    assert.equal(isMultiFactor(['pwd']), false);
    assert.equal(isMultiFactor(['fed']), false);
    assert.equal(isMultiFactor(['pwd', 'otp']), true);
    assert.equal(isMultiFactor(['fed', 'mfa']), true);
    assert.deepEqual(addMethods(['pwd'], ['otp']), ['pwd', 'otp', 'mfa']);
    assert.deepEqual(addMethods(['pwd', 'otp', 'mfa'], ['otp']), ['pwd', 'otp', 'mfa']);
    assert.deepEqual(addMethods(['fed'], ['hwk', 'fido']), ['fed', 'hwk', 'fido', 'mfa']);
  });

  it('acr_values demand multi-factor only without a single-factor alternative; routing hints are not levels', () => {
    assert.equal(acrValuesDemandMfa(undefined), false);
    assert.equal(acrValuesDemandMfa(MULTI_FACTOR_ACR), true);
    assert.equal(acrValuesDemandMfa(`idp:partner ${REFEDS_MFA}`), true);
    assert.equal(acrValuesDemandMfa('http://schemas.openid.net/pape/policies/2007/06/multi-factor'), true);
    assert.equal(acrValuesDemandMfa(`${MULTI_FACTOR_ACR} ${PASSWORD_ACR}`), false);
    assert.equal(acrValuesDemandMfa('1 2'), false);
    assert.equal(acrValuesDemandMfa('idp:partner'), false);
  });

  it('the acr after a second factor: the multi-factor level, as the request named it', () => {
    assert.equal(acrAfterSecondFactor(['pwd', 'otp', 'mfa'], PASSWORD_ACR, undefined), MULTI_FACTOR_ACR);
    assert.equal(acrAfterSecondFactor(['pwd', 'otp', 'mfa'], null, REFEDS_MFA), REFEDS_MFA);
    assert.equal(acrAfterSecondFactor(['fed', 'otp', 'mfa'], 'idp:partner', undefined), MULTI_FACTOR_ACR);
    assert.equal(acrAfterSecondFactor(['fed'], 'idp:partner', undefined), 'idp:partner');
  });
});

describe('TOTP', () => {
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  const code = (seconds: number) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: seconds * 1000 });

  it('matches the current step ±1 and names the step; nothing further, nothing malformed', () => {
    const now = 1_800_000_015;
    const step = Math.floor(now / 30);
    assert.equal(matchingStep(secret, code(now), now), step);
    assert.equal(matchingStep(secret, code(now - 30), now), step - 1);
    assert.equal(matchingStep(secret, code(now + 30), now), step + 1);
    assert.equal(matchingStep(secret, code(now - 60), now), undefined);
    assert.equal(matchingStep(secret, code(now + 60), now), undefined);
    assert.equal(matchingStep(secret, '12345', now), undefined);
    assert.equal(matchingStep(secret, 'abcdef', now), undefined);
  });

  it('RFC 6238 appendix B vector (SHA-1, 59 s → 94287082, 6 digits: 287082)', () => {
    const rfcSecret = new Secret({ buffer: new TextEncoder().encode('12345678901234567890').buffer as ArrayBuffer }).base32;
    assert.equal(matchingStep(rfcSecret, '287082', 59), 1);
  });

  it('normalizes base32 secrets and refuses short or invalid ones', () => {
    assert.equal(normalizeBase32Secret('jbsw y3dp ehpk 3pxp'), 'JBSWY3DPEHPK3PXP');
    assert.equal(normalizeBase32Secret('JBSWY3DPEHPK3PXP===='), 'JBSWY3DPEHPK3PXP');
    assert.equal(normalizeBase32Secret('JBSWY3DP'), undefined, 'under 80 bits');
    assert.equal(normalizeBase32Secret('JBSWY3DPEHPK3PX1'), undefined, '1 is not base32');
    assert.equal(normalizeBase32Secret(''), undefined);
  });
});
