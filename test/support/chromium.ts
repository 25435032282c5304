/**
 * Headless Chromium for page tests (playwright-core): launch with the flags this machine needs, a relying party's
 * callback server on 127.0.0.1, a watcher of requests and console errors, and screenshots kept only on request.
 *
 * Needs Chromium: Debian's `chromium` at /usr/bin/chromium (what CI installs) or CHROMIUM_PATH. Without it a suite
 * fails with a message saying so; it is never skipped silently. Screenshots go to $TESSERA_SCREENSHOT_DIR when set
 * (kept), otherwise to a temporary directory that is removed afterwards.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The browser tests need it: install Debian's chromium ` +
        '(apt-get install chromium; .ci/run does this) or set CHROMIUM_PATH to a Chromium binary.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** A relying party's endpoints: records every request and shows a plain page. */
export interface CallbackServer {
  origin: string;
  redirectUri: string;
  received: URL[];
  close(): Promise<void>;
}

export async function startCallbackServer(): Promise<CallbackServer> {
  const received: URL[] = [];
  let origin = '';
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin);
    if (url.pathname !== '/favicon.ico') received.push(url);
    response.writeHead(url.pathname === '/favicon.ico' ? 404 : 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    response.end(url.pathname === '/cb' ? '<!doctype html><title>Callback</title><h1>Callback received</h1>' : `<!doctype html><title>${url.pathname}</title><h1>RP page</h1>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    redirectUri: `${origin}/cb`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Everything a page loaded, and every console error with the path it is about (a CSP violation shows up there).
 * Chromium's own /favicon.ico probe is left out.
 */
export function watch(page: Page): { requests: string[]; consoleErrors: string[] } {
  const seen = { requests: [] as string[], consoleErrors: [] as string[] };
  page.on('request', (request) => seen.requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const where = message.location().url;
    const at = where ? new URL(where).pathname : '';
    if (at !== '/favicon.ico') seen.consoleErrors.push(`${message.text()} @ ${at}`);
  });
  page.on('pageerror', (error) => seen.consoleErrors.push(error.message));
  return seen;
}

/** Where screenshots go, and how to take one; `cleanup` removes a temporary directory. */
export function screenshots(): { take(t: TestContext, page: Page, name: string): Promise<void>; cleanup(): void } {
  const keep = process.env.TESSERA_SCREENSHOT_DIR !== undefined && process.env.TESSERA_SCREENSHOT_DIR !== '';
  const dir = keep ? path.resolve(process.env.TESSERA_SCREENSHOT_DIR!) : mkdtempSync(path.join(tmpdir(), 'tessera-screenshots-'));
  if (keep) mkdirSync(dir, { recursive: true });
  return {
    async take(t, page, name) {
      const file = path.join(dir, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      t.diagnostic(`screenshot: ${file}`);
    },
    cleanup() {
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}
