import { BalerError } from '../../errors.js';
import type { Credentials } from './credentials.js';
import type { HttpResponse } from './http.js';
import { readSmallBody } from './http.js';
import { registryError } from './registry-error.js';

/**
 * Registry auth (formats.md §8): anonymous until a 401; a `Basic` challenge means sending the credentials
 * on every request; a `Bearer realm=…,service=…,scope=…` challenge means asking the realm for a token for
 * the scopes a request needs (with Basic credentials when there are any) and sending `Bearer <token>`.
 * Tokens are cached per scope set; once the realm is known, new scopes get a token before the request.
 */
export interface Challenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/** `Bearer realm="https://auth",service="reg",scope="repository:a:pull"` → scheme + params. */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!m?.[1]) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (let p = re.exec(m[2] ?? ''); p; p = re.exec(m[2] ?? '')) {
    params[(p[1] as string).toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme: m[1].toLowerCase(), params };
}

/** `repository:NAME:pull` or `repository:NAME:pull,push`. */
export function repositoryScope(repo: string, push: boolean): string {
  return `repository:${repo}:${push ? 'pull,push' : 'pull'}`;
}

export type TokenFetch = (url: URL, headers: Record<string, string>) => Promise<HttpResponse>;

const TOKEN_BODY_LIMIT = 1024 * 1024;

export class Authenticator {
  private basicMode = false;
  private bearer: { realm: string; service?: string } | undefined;
  private readonly tokens = new Map<string, Promise<string>>();

  constructor(
    private readonly label: string,
    private readonly creds: Credentials | undefined,
    private readonly fetchToken: TokenFetch,
  ) {}

  private basicHeader(): string | undefined {
    return this.creds ? `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password}`).toString('base64')}` : undefined;
  }

  /** The Authorization header for a request needing `scopes`, when the registry's scheme is known. */
  async headerFor(scopes: readonly string[]): Promise<string | undefined> {
    if (this.basicMode) return this.basicHeader();
    if (!this.bearer) return undefined;
    return `Bearer ${await this.token(scopes)}`;
  }

  /**
   * Learns from a 401's WWW-Authenticate. Returns true when a retry can succeed (new scheme, or a fresh
   * token for the scopes); false when there is nothing new to try (Basic credentials already sent).
   */
  async onUnauthorized(res: HttpResponse, scopes: readonly string[]): Promise<boolean> {
    const header = res.headers['www-authenticate'];
    const challenge = parseChallenge(Array.isArray(header) ? (header[0] ?? '') : (header ?? ''));
    if (challenge?.scheme === 'basic') {
      if (this.basicMode || !this.creds) return false;
      this.basicMode = true;
      return true;
    }
    if (challenge?.scheme === 'bearer' && challenge.params.realm) {
      const wanted = challenge.params.scope ? [...new Set([...scopes, ...challenge.params.scope.split(' ')])] : scopes;
      const key = scopeKey(wanted);
      this.bearer = { realm: challenge.params.realm, ...(challenge.params.service !== undefined ? { service: challenge.params.service } : {}) };
      // a cached token refused again has expired (long pushes outlive short-lived tokens): ask once more;
      // the client allows two rounds, so wrong credentials still end in the registry's UNAUTHORIZED
      this.tokens.delete(key);
      this.tokens.delete(scopeKey(scopes));
      await this.token(wanted);
      // the request will ask headerFor(scopes); make the challenge's scope set the one it finds
      if (scopeKey(scopes) !== key) this.tokens.set(scopeKey(scopes), this.tokens.get(key) as Promise<string>);
      return true;
    }
    return false;
  }

  private token(scopes: readonly string[]): Promise<string> {
    const key = scopeKey(scopes);
    let t = this.tokens.get(key);
    if (!t) {
      t = this.requestToken(scopes);
      this.tokens.set(key, t);
      t.catch(() => this.tokens.delete(key));
    }
    return t;
  }

  private async requestToken(scopes: readonly string[]): Promise<string> {
    const bearer = this.bearer as { realm: string; service?: string };
    let url: URL;
    try {
      url = new URL(bearer.realm);
    } catch {
      throw new BalerError('E_PEER', `${this.label}: UNAUTHORIZED: the registry names an invalid token realm ${JSON.stringify(bearer.realm)}`);
    }
    if (bearer.service !== undefined) url.searchParams.set('service', bearer.service);
    for (const s of scopes) url.searchParams.append('scope', s);
    const basic = this.basicHeader();
    const res = await this.fetchToken(url, basic ? { Authorization: basic } : {});
    const body = await readSmallBody(res, TOKEN_BODY_LIMIT);
    if (res.status !== 200) throw registryError(this.label, res.status, body, `token request to ${url.origin}${url.pathname}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new BalerError('E_PEER', `${this.label}: UNAUTHORIZED: the token service answered with invalid JSON`);
    }
    const o = parsed as { token?: unknown; access_token?: unknown };
    const token = typeof o.token === 'string' && o.token ? o.token : typeof o.access_token === 'string' ? o.access_token : undefined;
    if (!token) throw new BalerError('E_PEER', `${this.label}: UNAUTHORIZED: the token service answered without a token`);
    return token;
  }
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ');
}
