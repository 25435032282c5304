/**
 * The page language (ui/i18n.ts): negotiation from ui_locales and Accept-Language, complete catalogues with the same
 * placeholders as English, escaping of values; and the small rules beside it: acr (identity/acr.ts), account
 * selection (oauth/authorize/select-account.ts) and the claims parameter (oauth/claims-request.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOGUES, LOCALES, negotiateLocale, translator } from '../../src/ui/i18n.js';
import { MULTI_FACTOR_ACR, PASSWORD_ACR, achievedAcr, acrLevels, acrSatisfies, requestedTenant } from '../../src/identity/acr.js';
import { selectAccount } from '../../src/oauth/authorize/select-account.js';
import { essentialAcrValues, parseClaimsParameter, requestedClaimValues } from '../../src/oauth/claims-request.js';
import { otherAccountsValue, type BrowserAccount } from '../../src/identity/browser-accounts.js';
import type { AuthorizationRequest } from '../../src/oauth/authorize/request.js';
import type { SessionTable } from '../../src/store/schema.js';

describe('page language negotiation', () => {
  it('ui_locales first, in its order, by primary language', () => {
    assert.equal(negotiateLocale('de-CH fr', 'es'), 'de');
    assert.equal(negotiateLocale('ja fr-CA', undefined), 'fr');
    assert.equal(negotiateLocale('ES', undefined), 'es');
  });

  it('then Accept-Language by weight, then English', () => {
    assert.equal(negotiateLocale(undefined, 'ja, fr;q=0.5, de;q=0.8'), 'de');
    assert.equal(negotiateLocale('ja', 'es-419;q=0.9, *;q=0.1'), 'es');
    assert.equal(negotiateLocale(undefined, 'de;q=0, it'), 'en', 'q=0 means not acceptable');
    assert.equal(negotiateLocale(undefined, undefined), 'en');
    assert.equal(negotiateLocale('', 'garbage;;;q=x'), 'en');
  });

  it('every catalogue translates every message with the same placeholders', () => {
    assert.deepEqual(LOCALES, ['en', 'de', 'fr', 'es']);
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const locale of LOCALES) {
      for (const [id, text] of Object.entries(CATALOGUES.en)) {
        const translated = (CATALOGUES[locale] as Record<string, string>)[id];
        assert.equal(typeof translated, 'string', `${locale} ${id}`);
        assert.deepEqual(placeholders(translated!), placeholders(text), `${locale} ${id}`);
        if (locale !== 'en' && id.startsWith('login.') && id !== 'login.tenant') assert.notEqual(translated, text, `${locale} ${id} is translated`);
      }
    }
  });

  it('escapes values, keeps the message markup, and gives plain text for titles', () => {
    const tr = translator('de');
    assert.equal(tr.t('logout.lead', { community: '<b>x</b>' }), 'Sie werden in diesem Browser von <strong>&lt;b&gt;x&lt;/b&gt;</strong> abgemeldet.');
    assert.equal(tr.text('chooser.lead', { client: 'A&B' }), 'um zu A&B fortzufahren');
    assert.equal(translator('fr').t('sessions.places', { count: 3 }), '3 endroits');
  });
});

describe('the passkey pages in the page language', () => {
  it('renders the step and the list in German, with the script messages translated', async () => {
    const { passkeyListPage, passkeyStepPage } = await import('../../src/ui/passkey-pages.js');
    const tr = translator('de');
    const step = passkeyStepPage({ tr, clientName: 'Notes', username: 'alice', csrf: 'c', options: {}, scriptUrl: '/x.js', cancelUrl: '/c', error: 'passkeyStep.failed' }).html;
    assert.match(step, /<html lang="de">/);
    assert.match(step, /<h1>Passkey verwenden<\/h1>/);
    assert.match(step, /Der Passkey konnte nicht geprüft werden/);
    assert.match(step, /"unsupported":"Dieser Browser unterstützt keine Passkeys."/);
    const list = passkeyListPage({ tr: translator('fr'), communityName: 'acme', username: 'alice', csrf: 'c', passkeys: [{ id: 'p', name: 'Clé', createdAt: 0, lastUsedAt: null }], options: {}, scriptUrl: '/x.js' }).html;
    assert.match(list, /Vos clés d’accès/);
    assert.match(list, /jamais utilisée/);
  });
});

describe('acr', () => {
  it('a password login, more than one factor, an upstream login', () => {
    assert.equal(achievedAcr(['pwd']), PASSWORD_ACR);
    assert.equal(achievedAcr(['pwd', 'otp']), MULTI_FACTOR_ACR);
    assert.equal(achievedAcr(['pwd', 'mfa', 'hwk']), MULTI_FACTOR_ACR);
    assert.equal(achievedAcr(['fed'], 'idp:corp'), 'idp:corp');
    assert.equal(achievedAcr([]), null);
  });

  it('a stronger Tessera level satisfies a weaker one; other values match exactly', () => {
    assert.equal(acrSatisfies(MULTI_FACTOR_ACR, [PASSWORD_ACR]), true);
    assert.equal(acrSatisfies(PASSWORD_ACR, [MULTI_FACTOR_ACR]), false);
    assert.equal(acrSatisfies('idp:corp', ['idp:corp']), true);
    assert.equal(acrSatisfies(null, ['urn:x']), false);
    assert.equal(acrSatisfies(null, []), true);
  });

  it('acr_values routing hints are not levels', () => {
    assert.deepEqual(acrLevels(`idp:corp tenant:blue ${PASSWORD_ACR}`), [PASSWORD_ACR]);
    assert.equal(requestedTenant('idp:corp tenant:blue'), 'blue');
    assert.equal(requestedTenant('tenant:'), undefined);
  });
});

describe('account selection', () => {
  const session = (user: string): SessionTable => ({ cookie_hash: user, sid: `sid-${user}`, community_id: 'c', user_id: user, auth_time: 1, acr: null, amr: '[]', created_at: 1, expires_at: 99, ended_at: null });
  const account = (user: string, current = false): BrowserAccount => ({ cookie: `cookie-${user}`, session: session(user), current });
  const request = (extra: Partial<AuthorizationRequest> = {}): AuthorizationRequest => ({ client_id: 'c', redirect_uri: 'r', response_type: 'code', response_mode: 'query', scope: ['openid'], prompt: [], ...extra });
  const pick = (r: AuthorizationRequest, accounts: BrowserAccount[], names: string[] = []) => {
    const s = selectAccount(r, accounts, names);
    return s.kind === 'account' ? s.account.session.user_id : s.kind;
  };

  it('hints, then select_account, then the current or only account, else the chooser', () => {
    const both = [account('a', true), account('b')];
    assert.equal(pick(request(), []), 'none');
    assert.equal(pick(request(), both), 'a');
    assert.equal(pick(request({ hinted_sub: 'b' }), both), 'b');
    assert.equal(pick(request({ hinted_sub: 'z' }), both), 'none');
    assert.equal(pick(request({ login_hint: 'bee', prompt: ['select_account'] }), both, ['ay', 'bee']), 'b');
    assert.equal(pick(request({ login_hint: 'nobody' }), both, ['ay', 'bee']), 'a');
    assert.equal(pick(request({ prompt: ['select_account'] }), [account('a', true)]), 'choose');
    assert.equal(pick(request(), [account('a'), account('b')]), 'choose');
    assert.equal(pick(request(), [account('b')]), 'b');
  });
});

describe('the browser accounts cookie', () => {
  const a = 'a'.repeat(43);
  const b = 'b'.repeat(43);
  const c = 'c'.repeat(43);
  it('keeps the previous current session only when it stays signed in, without the new one, and drops junk', () => {
    assert.equal(otherAccountsValue({ session: a, accounts: b }, c, a), `${a}.${b}`, 'another user signed in: a is kept');
    assert.equal(otherAccountsValue({ session: a, accounts: b }, c), b, 'a re-login ended a');
    assert.equal(otherAccountsValue({ session: a, accounts: `${b}.${c}` }, b, a), `${a}.${c}`, 'switching to b');
    assert.equal(otherAccountsValue({ session: undefined, accounts: `x.${b}.<script>` }, c), b);
    const many = Array.from({ length: 9 }, (_, i) => String(i).repeat(40)).join('.');
    assert.equal(otherAccountsValue({ session: undefined, accounts: many }, c).split('.').length, 5, 'bounded');
  });
});

describe('the claims parameter', () => {
  it('parses the §5.5 shape and finds an essential acr', () => {
    const claims = parseClaimsParameter('{"id_token":{"acr":{"essential":true,"values":["x","y"]},"email":null},"other":1}');
    assert.deepEqual(essentialAcrValues(claims), ['x', 'y']);
    assert.deepEqual(essentialAcrValues(parseClaimsParameter('{"id_token":{"acr":{"value":"x"}}}')), undefined, 'voluntary');
    assert.deepEqual(essentialAcrValues(parseClaimsParameter('{"id_token":{"acr":{"essential":true,"value":"x"}}}')), ['x']);
    assert.throws(() => parseClaimsParameter('{"id_token":{"email":[]}}'), /claims.id_token.email/);
  });

  it('releases only standard claims the user has, with claims_locales variants', () => {
    const user = { email: 'a@x', name: 'A', 'name#fr': 'Aa', secret: 's' };
    const requested = { claims: { id_token: { email: null, secret: null, phone_number: null, name: null } }, locales: ['fr-CA'] };
    assert.deepEqual(requestedClaimValues('id_token', requested, user), { email: 'a@x', name: 'A', 'name#fr': 'Aa' });
    assert.deepEqual(requestedClaimValues('userinfo', requested, user), {});
  });
});
