import type { CredentialLoader } from './credentials.js';
import type { HttpResponse } from './http.js';
import { basicAuthorization, fetchBearerToken, type TokenFetch } from './identity-token.js';

/**
 * Registry auth (formats.md §8): anonymous until a 401; a `Basic` challenge means sending the credentials
 * on every request; a `Bearer realm=…,service=…,scope=…` challenge means asking the realm for a token for
 * the scopes a request needs (identity-token.ts: Basic credentials, or an identity token's OAuth2 exchange)
 * and sending `Bearer <token>`. Tokens are cached per scope set; once the realm is known, new scopes get a
 * token before the request. Credentials are looked up (a credential helper run) only on the first 401.
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

export class Authenticator {
  private basicMode = false;
  private bearer: { realm: string; service?: string } | undefined;
  private readonly tokens = new Map<string, Promise<string>>();
  /** The newest refresh token a rotating OAuth2 server handed out; the configured one is spent. */
  private rotatedRefreshToken: string | undefined;
  private exchanges: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly label: string,
    private readonly creds: CredentialLoader,
    private readonly fetchToken: TokenFetch,
  ) {}

  /**
   * For a request the registry refused after auth: which credentials it refused, or that there were none.
   * The credentials were looked up at the first 401, so this runs no helper again.
   */
  async refusalNote(host: string): Promise<string> {
    const c = await this.creds().catch(() => undefined);
    if (c) return `the registry refused the credentials from ${c.origin ?? 'the configuration'}`;
    return `no credentials for ${host}: give --creds USER:PASS, or docker login ${host}`;
  }

  /** An identity token alone is no Basic password (docker sends none either). */
  private async basicHeader(): Promise<string | undefined> {
    const c = await this.creds();
    return c && (c.username !== '' || c.password !== '') ? basicAuthorization(c.username, c.password) : undefined;
  }

  /** The Authorization header for a request needing `scopes`, when the registry's scheme is known. */
  async headerFor(scopes: readonly string[]): Promise<string | undefined> {
    if (this.basicMode) return this.basicHeader();
    if (!this.bearer) return undefined;
    return `Bearer ${await this.token(scopes)}`;
  }

  /**
   * Learns from a 401's WWW-Authenticate. Returns true when a retry can succeed (new scheme, or a fresh
   * token for the scopes); false when there is nothing new to try (Basic credentials already sent with it).
   */
  async onUnauthorized(res: HttpResponse, scopes: readonly string[], sent?: string): Promise<boolean> {
    const header = res.headers['www-authenticate'];
    const challenge = parseChallenge(Array.isArray(header) ? (header[0] ?? '') : (header ?? ''));
    if (challenge?.scheme === 'basic') {
      // `sent`: the refused request's own Authorization. One sent without it while a parallel request
      // was learning the scheme (the first blobs of a copy go out at once) is retried with the credentials
      if ((this.basicMode && sent !== undefined) || (await this.basicHeader()) === undefined) return false;
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
    const configured = await this.creds();
    const realm = this.bearer as { realm: string; service?: string };
    if (configured?.identityToken === undefined) return (await fetchBearerToken(this.label, realm, scopes, configured, this.fetchToken)).token;
    // one exchange at a time: a server that rotates refresh tokens accepts each one only once
    const exchange = this.exchanges.then(async () => {
      const creds = this.rotatedRefreshToken !== undefined ? { ...configured, identityToken: this.rotatedRefreshToken } : configured;
      const got = await fetchBearerToken(this.label, realm, scopes, creds, this.fetchToken);
      if (got.refreshToken !== undefined) this.rotatedRefreshToken = got.refreshToken;
      return got.token;
    });
    this.exchanges = exchange.catch(() => undefined);
    return exchange;
  }
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ');
}
