/**
 * A browser as far as sign-in needs one: fetch with `redirect: 'manual'`, keeping each host's
 * cookies (by name; paths and expiry beyond removal are not modelled) and following redirects by hand.
 */
export class Browser {
  private readonly jars = new Map<string, Map<string, string>>();

  /** One request, its cookies sent and stored; redirects are not followed. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    if (!headers.has('accept')) headers.set('accept', 'text/html,application/xhtml+xml');
    const cookie = this.cookieHeader(target.host);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    const jar = this.jar(target.host);
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      const expired = attributes.some((a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  }

  /**
   * Goes to `url` and follows redirects until one leads off to a URL `stop` accepts (the app, not
   * fetched: it is not running) or an answer is not a redirect.
   */
  async navigate(url: string, stop: (url: URL) => boolean): Promise<{ url: URL; response?: Response }> {
    let current = new URL(url);
    for (let hops = 0; hops < 20; hops++) {
      if (stop(current)) return { url: current };
      const response = await this.fetch(current.href);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { url: current, response };
      await response.arrayBuffer();
      current = new URL(location, current);
    }
    throw new Error(`too many redirects from ${url}`);
  }

  cookie(host: string, name: string): string | undefined {
    return this.jar(host).get(name);
  }

  setCookie(host: string, name: string, value: string): void {
    this.jar(host).set(name, value);
  }

  clearCookies(host: string): void {
    this.jars.delete(host);
  }

  private jar(host: string): Map<string, string> {
    let jar = this.jars.get(host);
    if (!jar) this.jars.set(host, (jar = new Map<string, string>()));
    return jar;
  }

  private cookieHeader(host: string): string {
    return [...this.jar(host)].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}
