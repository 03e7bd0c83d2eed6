import { spawnSync } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * A token server for a real docker-registry configured with `auth: token:` (registry.ts TokenAuthConfig).
 * It issues RS256 JWTs carrying the x5c certificate the registry trusts (rootcertbundle), so the registry
 * itself verifies every token; it does not fake the registry. It accepts:
 * - `POST` the OAuth2 form (grant_type=refresh_token, refresh_token, service, scope, client_id) when
 *   `oauth` is true (else it answers 405, as token servers without OAuth2 do);
 * - `GET ?service&scope` with Basic credentials whose password is the refresh token; without any, a
 *   token that grants nothing (the registry then refuses the request).
 * Every request is recorded for the test to assert on.
 */
export interface TokenRequest {
  readonly method: string;
  readonly form: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string[]>>;
  readonly authorization: string;
}

export interface TokenServer {
  /** `http://127.0.0.1:PORT/token` */
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** The certificate the registry must trust (rootcertbundle). */
  readonly certFile: string;
  readonly requests: TokenRequest[];
  /** Sign with a key the registry does not trust (to show the registry really verifies). */
  signWithUntrustedKey(untrusted: boolean): void;
  /** false: POST answers 405, as a token server without OAuth2 does. */
  setOAuth(on: boolean): void;
  /** true: each OAuth2 answer carries a new refresh token and only the newest is accepted (starts from the configured one). */
  rotateRefreshTokens(on: boolean): void;
  close(): Promise<void>;
}

function makeKeyAndCert(dir: string, name: string): { key: KeyObject; certDer: string; certFile: string } {
  const keyFile = join(dir, `${name}-key.pem`);
  const certFile = join(dir, `${name}-cert.pem`);
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-keyout', keyFile, '-out', certFile], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
  const pem = readFileSync(certFile, 'utf8');
  const certDer = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  return { key: createPrivateKey(readFileSync(keyFile)), certDer, certFile };
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

function jwt(key: KeyObject, certDer: string, claims: Record<string, unknown>): string {
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', x5c: [certDer] }));
  const body = b64url(JSON.stringify(claims));
  return `${head}.${body}.${b64url(sign('RSA-SHA256', Buffer.from(`${head}.${body}`), key))}`;
}

/** `repository:app:pull,push` → a JWT access entry granting those actions. */
function accessFor(scopes: readonly string[]): Array<{ type: string; name: string; actions: string[] }> {
  return scopes.map((s) => {
    const [type = '', ...rest] = s.split(':');
    const actions = (rest.pop() ?? '').split(',').filter(Boolean);
    return { type, name: rest.join(':'), actions };
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const chunk of req) s += (chunk as Buffer).toString('utf8');
  return s;
}

export async function startTokenServer(dir: string, opts: { refreshToken: string; oauth: boolean }): Promise<TokenServer> {
  const service = 'baler-test-registry';
  const issuer = 'baler-test-issuer';
  const trusted = makeKeyAndCert(dir, 'trusted');
  const untrusted = makeKeyAndCert(dir, 'untrusted');
  let signer = trusted;
  let oauth = opts.oauth;
  // rotation: every OAuth2 answer carries a new refresh token, and only the newest one is accepted
  let rotate = false;
  let refreshToken = opts.refreshToken;
  let rotations = 0;
  const requests: TokenRequest[] = [];
  const deny = (res: ServerResponse, status: number, message: string): void =>
    void res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message }] }));
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const form = Object.fromEntries(new URLSearchParams(req.method === 'POST' ? await readBody(req) : ''));
      const query: Record<string, string[]> = {};
      for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
      const authorization = req.headers.authorization ?? '';
      requests.push({ method: req.method ?? '', form, query, authorization });
      if (url.pathname !== '/token') return deny(res, 404, 'no such endpoint');
      let scopes: string[];
      if (req.method === 'POST') {
        if (!oauth) return void res.writeHead(405).end();
        if (form.grant_type !== 'refresh_token' || form.refresh_token !== refreshToken || !form.client_id) return deny(res, 401, 'invalid refresh token');
        if (rotate) refreshToken = `${opts.refreshToken}-rotated-${++rotations}`;
        scopes = (form.scope ?? '').split(' ').filter(Boolean);
      } else {
        const basic = Buffer.from(authorization.replace(/^Basic /, ''), 'base64').toString('utf8');
        // anonymous: a token granting nothing (as Docker Hub's auth does), so the registry itself refuses
        if (!authorization.startsWith('Basic ')) scopes = [];
        else if (basic.slice(basic.indexOf(':') + 1) !== opts.refreshToken) return deny(res, 401, 'invalid credentials');
        else scopes = query.scope ?? [];
      }
      const now = Math.floor(Date.now() / 1000);
      const token = jwt(signer.key, signer.certDer, { iss: issuer, sub: 'baler-test', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access: accessFor(scopes) });
      const answer = req.method === 'POST' ? { access_token: token, expires_in: 300, ...(rotate ? { refresh_token: refreshToken } : {}) } : { token, expires_in: 300 };
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
    })().catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile: trusted.certFile,
    requests,
    signWithUntrustedKey(u: boolean) {
      signer = u ? untrusted : trusted;
    },
    setOAuth(on: boolean) {
      oauth = on;
    },
    rotateRefreshTokens(on: boolean) {
      rotate = on;
      refreshToken = opts.refreshToken;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
