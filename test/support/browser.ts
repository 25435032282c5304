/**
 * A minimal browser for HTTP tests: a cookie jar honouring Path, manual redirects, and form submission by reading
 * the page's hidden inputs. Enough to drive Tessera's login and consent pages without a real browser.
 */
interface Cookie {
  name: string;
  value: string;
  path: string;
}

export class TestBrowser {
  readonly cookies: Cookie[] = [];

  /** `headers`: sent with every request (e.g. X-Forwarded-For to act from another address). */
  constructor(readonly headers: Record<string, string> = {}) {}

  cookieHeader(url: string): string {
    const { pathname } = new URL(url);
    return this.cookies
      .filter((c) => pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private store(url: string, response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const pathAttr = attrs.find((a) => a.toLowerCase().startsWith('path='));
      const path = pathAttr ? pathAttr.slice(5) : new URL(url).pathname;
      const expired = attrs.some((a) => /^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()) || attrs.some((a) => /^max-age=0$/i.test(a));
      const i = this.cookies.findIndex((c) => c.name === name && c.path === path);
      if (i >= 0) this.cookies.splice(i, 1);
      if (!expired && value !== '') this.cookies.push({ name, value, path });
    }
  }

  async get(url: string): Promise<Response> {
    const response = await fetch(url, { headers: { ...this.headers, cookie: this.cookieHeader(url) }, redirect: 'manual' });
    this.store(url, response);
    return response;
  }

  async post(url: string, form: Record<string, string>): Promise<Response> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...this.headers, cookie: this.cookieHeader(url), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    this.store(url, response);
    return response;
  }

  /** Follows same-origin redirects until a page (2xx/4xx) or a redirect to another origin. */
  async follow(url: string, response?: Response): Promise<{ url: string; response: Response }> {
    let current = url;
    let res = response ?? (await this.get(url));
    for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
      const next = new URL(res.headers.get('location')!, current).href;
      if (new URL(next).origin !== new URL(current).origin) return { url: next, response: res };
      current = next;
      res = await this.get(current);
    }
    return { url: current, response: res };
  }
}

/** The hidden inputs of the first form on a page. */
export function hiddenInputs(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    out[m[1]!] = m[2]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }
  return out;
}
