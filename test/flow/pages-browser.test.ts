/**
 * Every page in headless Chromium, in two languages: German chosen by `ui_locales`, Spanish by the browser's
 * Accept-Language (its locale). Login (with the tenant of acr_values), consent with requested claims, the account
 * chooser with two signed-in accounts, the session list, the logout confirmation, the logged-out page and an error
 * page: each checked for `<html lang>`, its visible text and labels, and no CSP violation. Screenshots go to a
 * temporary directory (test/support/chromium.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { ALICE_PASSWORD, WEB_SECRET, fixture, startServer, type TestServer } from '../support/server.js';
import { authorizeUrl, pkcePair } from '../support/flows.js';
import { launchChromium, screenshots, startCallbackServer, watch, type CallbackServer } from '../support/chromium.js';

interface Language {
  locale: string;
  /** Sent as ui_locales, or left to Accept-Language. */
  viaUiLocales: boolean;
  text: {
    signIn: string;
    username: string;
    password: string;
    tenant: RegExp;
    consent: string;
    claim: RegExp;
    allow: string;
    chooser: string;
    another: string;
    sessions: string;
    signOutConfirm: string;
    signOutButton: string;
    signedOut: string;
    error: string;
  };
}

const LANGUAGES: Language[] = [
  {
    locale: 'de',
    viaUiLocales: true,
    text: {
      signIn: 'Anmelden',
      username: 'Benutzername',
      password: 'Passwort',
      tenant: /Organisation: blue/,
      consent: 'Zugriff erlauben?',
      claim: /Ihre Telefonnummer \(erforderlich\)/,
      allow: 'Erlauben',
      chooser: 'Konto auswählen',
      another: 'Anderes Konto verwenden',
      sessions: 'Ihre Sitzungen',
      signOutConfirm: 'Abmelden?',
      signOutButton: 'Abmelden',
      signedOut: 'Sie sind abgemeldet',
      error: 'Etwas ist schiefgelaufen',
    },
  },
  {
    locale: 'es',
    viaUiLocales: false,
    text: {
      signIn: 'Iniciar sesión',
      username: 'Nombre de usuario',
      password: 'Contraseña',
      tenant: /Organización: blue/,
      consent: '¿Permitir el acceso?',
      claim: /Tu número de teléfono \(obligatorio\)/,
      allow: 'Permitir',
      chooser: 'Elige una cuenta',
      another: 'Usar otra cuenta',
      sessions: 'Tus sesiones',
      signOutConfirm: '¿Cerrar sesión?',
      signOutButton: 'Cerrar sesión',
      signedOut: 'Has cerrado la sesión',
      error: 'Algo ha salido mal',
    },
  },
];

describe('every page in headless Chromium, in German and Spanish', () => {
  let server: TestServer;
  let rp: CallbackServer;
  let browser: Browser;
  const shots = screenshots();

  before(async () => {
    browser = await launchChromium();
    rp = await startCallbackServer();
    const doc = fixture(rp.redirectUri) as { communities: { clients: Record<string, unknown>[] }[] };
    doc.communities[0]!.clients.push({
      client_id: 'notes',
      client_name: 'Acme Notes',
      client_secret: WEB_SECRET,
      redirect_uris: [rp.redirectUri],
      post_logout_redirect_uris: [`${rp.origin}/bye`],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile email',
    });
    server = await startServer({ provisioning: doc });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await rp?.close();
    shots.cleanup();
  });

  async function expectPage(page: Page, lang: string, heading: string): Promise<void> {
    await page.getByRole('heading', { name: heading, exact: true }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), lang);
    assert.equal(await page.title(), heading);
  }

  for (const language of LANGUAGES) {
    const { locale, text } = language;
    it(`${locale}: login, consent, chooser, sessions, logout confirmation, signed out, error`, async (t) => {
      const context = await browser.newContext({ viewport: { width: 900, height: 760 }, locale: language.viaUiLocales ? 'en-US' : `${locale}-${locale.toUpperCase()}` });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const seen = watch(page);
      const ui: Record<string, string> = language.viaUiLocales ? { ui_locales: locale } : {};
      const authorize = (extra: Record<string, string>) =>
        authorizeUrl(server.issuer, { client_id: 'notes', response_type: 'code', scope: 'openid', redirect_uri: rp.redirectUri, state: 's', code_challenge: pkcePair().challenge, code_challenge_method: 'S256', ...ui, ...extra });
      const atCallback = () => page.waitForURL((u) => u.origin === rp.origin && u.pathname === '/cb');

      // Login, with the tenant from acr_values.
      await page.goto(authorize({ prompt: 'consent', acr_values: 'tenant:blue', claims: JSON.stringify({ userinfo: { phone_number: { essential: true } } }) }));
      await expectPage(page, locale, text.signIn);
      assert.match(await page.locator('main').innerText(), text.tenant);
      await shots.take(t, page, `${locale}-login`);
      await page.getByLabel(text.username).fill('alice');
      await page.getByLabel(text.password).fill(ALICE_PASSWORD);
      await page.getByRole('button', { name: text.signIn, exact: true }).click();

      // Consent, listing the claim asked for by name.
      await expectPage(page, locale, text.consent);
      assert.match(await page.locator('main').innerText(), text.claim);
      await shots.take(t, page, `${locale}-consent`);
      await page.getByRole('button', { name: text.allow, exact: true }).click();
      await atCallback();

      // A second account on the same browser, then the chooser lists both.
      await page.goto(authorize({ prompt: 'login consent' }));
      await page.getByLabel(text.username).fill('bob');
      await page.getByLabel(text.password).fill('bob-password-1234');
      await page.getByRole('button', { name: text.signIn, exact: true }).click();
      await page.getByRole('button', { name: text.allow, exact: true }).click();
      await atCallback();
      await page.goto(authorize({ prompt: 'select_account' }));
      await expectPage(page, locale, text.chooser);
      const accounts = await page.locator('ul.accounts button').allInnerTexts();
      assert.equal(accounts.length, 2);
      assert.ok(accounts.some((a) => a.includes('Alice Example') && a.includes('alice')));
      assert.ok(accounts.some((a) => a.includes('bob')));
      await page.getByRole('link', { name: text.another }).waitFor();
      await shots.take(t, page, `${locale}-chooser`);
      await page.getByRole('button', { name: /Alice Example/ }).click();
      await atCallback();

      // The session list (its language comes from Accept-Language only).
      if (!language.viaUiLocales) {
        await page.goto(`${server.issuer}/v1/sessions`);
        await expectPage(page, locale, text.sessions);
        await shots.take(t, page, `${locale}-sessions`);
      }

      // Logout confirmation, then the signed-out page.
      await page.goto(`${server.issuer}/v1/logout${language.viaUiLocales ? `?ui_locales=${locale}` : ''}`);
      await expectPage(page, locale, text.signOutConfirm);
      await shots.take(t, page, `${locale}-logout-confirm`);
      await page.getByRole('button', { name: text.signOutButton, exact: true }).click();
      await page.getByRole('heading', { name: text.signedOut }).waitFor();
      assert.equal(await page.locator('html').getAttribute('lang'), locale);
      await shots.take(t, page, `${locale}-signed-out`);

      assert.equal(seen.consoleErrors.length, 0, `no CSP violation or script error: ${seen.consoleErrors.join('; ')}`);

      // An error page (an unknown client: never redirected).
      const response = await page.goto(authorizeUrl(server.issuer, { client_id: 'nobody', ...ui }));
      assert.equal(response?.status(), 400);
      await expectPage(page, locale, text.error);
      assert.match(await page.locator('main').innerText(), /invalid_request|invalid_client/);
      await shots.take(t, page, `${locale}-error`);

      assert.ok(seen.consoleErrors.every((e) => e.includes('status of 400')), 'only the error page\'s own status');
      assert.ok(seen.requests.every((r) => r.startsWith(server.base) || r.startsWith(rp.origin)), 'no external assets');
      await context.close();
    });
  }
});
