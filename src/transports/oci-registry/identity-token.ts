import { BalerError } from '../../errors.js';
import type { Credentials } from './credentials.js';
import type { HttpRequest, HttpResponse } from './http.js';
import { readSmallBody } from './http.js';
import { registryError } from './registry-error.js';

/**
 * Getting a Bearer token from a registry's token realm (distribution's token and OAuth2 specs):
 * - with an identity token (docker's `identitytoken`, an OAuth2 refresh token): `POST realm` with the form
 *   grant_type=refresh_token, refresh_token, service, scope (space-separated), client_id; a realm that
 *   answers 404 or 405 does not speak OAuth2, and gets the GET below with the token as the Basic password;
 * - otherwise `GET realm?service=…&scope=…&scope=…`, with Basic credentials when there are any.
 * Both answer JSON with `token` or `access_token`. An OAuth2 answer may also carry a new `refresh_token`
 * (servers that rotate them accept each one once): the caller uses it for its next exchange, in memory
 * only, as docker's client does — the config file is the user's and is never written.
 */
export type TokenFetch = (req: HttpRequest) => Promise<HttpResponse>;

export interface TokenRealm {
  readonly realm: string;
  readonly service?: string;
}

export const OAUTH_CLIENT_ID = 'baler';
const TOKEN_BODY_LIMIT = 1024 * 1024;

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

export interface BearerToken {
  readonly token: string;
  /** A rotated refresh token the OAuth2 answer carried, to use instead of the old one from now on. */
  readonly refreshToken?: string;
}

export async function fetchBearerToken(label: string, at: TokenRealm, scopes: readonly string[], creds: Credentials | undefined, fetch: TokenFetch): Promise<BearerToken> {
  let url: URL;
  try {
    url = new URL(at.realm);
  } catch {
    throw new BalerError('E_PEER', `${label}: UNAUTHORIZED: the registry names an invalid token realm ${JSON.stringify(at.realm)}`);
  }
  if (creds?.identityToken !== undefined) {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: OAUTH_CLIENT_ID });
    if (at.service !== undefined) form.set('service', at.service);
    if (scopes.length > 0) form.set('scope', scopes.join(' '));
    const res = await fetch({ method: 'POST', url, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form.toString()) });
    if (res.status !== 404 && res.status !== 405) return tokenFrom(label, url, res);
    res.body.resume();
  }
  const query = new URL(url);
  if (at.service !== undefined) query.searchParams.set('service', at.service);
  for (const s of scopes) query.searchParams.append('scope', s);
  const secret = creds?.identityToken !== undefined && creds.password === '' ? creds.identityToken : creds?.password;
  const basic = creds && secret !== undefined && (creds.username !== '' || secret !== '') ? basicAuthorization(creds.username, secret) : undefined;
  return tokenFrom(label, query, await fetch({ method: 'GET', url: query, headers: basic ? { Authorization: basic } : {} }));
}

async function tokenFrom(label: string, url: URL, res: HttpResponse): Promise<BearerToken> {
  const body = await readSmallBody(res, TOKEN_BODY_LIMIT);
  if (res.status !== 200) throw registryError(label, res.status, body, `token request to ${url.origin}${url.pathname}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BalerError('E_PEER', `${label}: UNAUTHORIZED: the token service answered with invalid JSON`);
  }
  const o = (parsed ?? {}) as { token?: unknown; access_token?: unknown; refresh_token?: unknown };
  const token = typeof o.token === 'string' && o.token ? o.token : typeof o.access_token === 'string' && o.access_token ? o.access_token : undefined;
  if (!token) throw new BalerError('E_PEER', `${label}: UNAUTHORIZED: the token service answered without a token`);
  return typeof o.refresh_token === 'string' && o.refresh_token !== '' ? { token, refreshToken: o.refresh_token } : { token };
}
