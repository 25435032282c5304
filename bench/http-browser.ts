/**
 * A minimal cookie-keeping HTTP client for the flow driver, on node:http keep-alive sockets. `fetch` (undici) costs
 * the driver several times more CPU per request than the servers it measures, which made the driver the bound of the
 * code-flow scenarios; this client does only what a flow needs: one origin, cookies by name, manual redirects.
 */
import http from 'node:http';

export interface HttpResponse {
  status: number;
  location: string | undefined;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

export class HttpBrowser {
  private readonly jar = new Map<string, string>();

  private cookieHeader(): string {
    let out = '';
    for (const [name, value] of this.jar) out += `${out ? '; ' : ''}${name}=${value}`;
    return out;
  }

  private store(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const semi = line.indexOf(';');
      const pair = semi < 0 ? line : line.slice(0, semi);
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = /;\s*max-age=0/i.test(line) || /;\s*expires=Thu, 01 Jan 1970/i.test(line);
      if (expired || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  request(method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}, body?: string): Promise<HttpResponse> {
    const cookie = this.cookieHeader();
    return new Promise((resolve, reject) => {
      const req = http.request(
        url,
        {
          method,
          agent,
          headers: {
            ...headers,
            ...(cookie ? { cookie } : {}),
            ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            this.store(res.headers['set-cookie']);
            const location = res.headers.location;
            resolve({ status: res.statusCode ?? 0, location: location ? new URL(location, url).href : undefined, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  get(url: string): Promise<HttpResponse> {
    return this.request('GET', url);
  }

  post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpResponse> {
    return this.request('POST', url, { 'content-type': 'application/x-www-form-urlencoded', ...headers }, new URLSearchParams(form).toString());
  }

  /** Follows same-origin redirects until a page or a redirect to another origin (the client's redirect_uri). */
  async follow(url: string, first?: HttpResponse): Promise<{ url: string; response: HttpResponse }> {
    let current = url;
    let res = first ?? (await this.get(url));
    for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400 && res.location; hops++) {
      if (new URL(res.location).origin !== new URL(current).origin) return { url: current, response: res };
      current = res.location;
      res = await this.get(current);
    }
    return { url: current, response: res };
  }
}
