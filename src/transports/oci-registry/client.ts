import { BalerError, isAbortError } from '../../errors.js';
import { Authenticator, repositoryScope } from './auth.js';
import { credentialLoader, type RegistryAccess } from './credentials.js';
import {
  backoff,
  defaultRetryPolicy,
  drain,
  isRetryableError,
  isRetryableStatus,
  makeAgents,
  readSmallBody,
  sendOnce,
  type HttpAgents,
  type HttpRequest,
  type HttpResponse,
  type RequestBody,
  type RetryPolicy,
} from './http.js';
import { certDirs, registryTlsFiles } from './cert-dirs.js';
import { isLoopbackHost } from './reference.js';
import { connectionError, registryError } from './registry-error.js';

/** One registry call: which repository it touches (for auth scopes and messages) and what it is. */
export interface RegistryCall {
  readonly method: HttpRequest['method'];
  /** `/v2/…` relative to the registry, or an absolute URL the registry gave (upload Location). */
  readonly path: string;
  readonly repo: string;
  /** Needs push access (uploads, manifest PUT). */
  readonly push?: boolean;
  /** More scopes the token must carry (cross-repo mount: pull on the source repository). */
  readonly extraScopes?: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: RequestBody;
  readonly signal?: AbortSignal;
  /** For messages: "GET manifest v1", "upload blob sha256:…". */
  readonly action: string;
}

export interface RegistryClientOptions {
  readonly access?: RegistryAccess;
  readonly retry?: RetryPolicy;
  /** Open connections at most (the pipeline bounds parallel blobs; this bounds sockets). */
  readonly maxSockets?: number;
}

const ERROR_BODY_LIMIT = 64 * 1024;
const MAX_REDIRECTS = 5;

/**
 * HTTP API v2 client for one registry: picks https or (when allowed) http at ping, authenticates on 401,
 * retries 5xx/429 and connection resets with exponential backoff, follows redirects for reads, and turns
 * error bodies into one-line BalerErrors naming registry, repository and the registry's error code.
 */
export class RegistryClient {
  private base: URL | undefined;
  private readonly agents: HttpAgents;
  private readonly auth: Authenticator;
  private readonly retry: RetryPolicy;
  private readonly plainHttpAllowed: boolean;

  constructor(
    /** As written in the reference (messages). */
    readonly host: string,
    /** Where the API is. */
    readonly apiHost: string,
    opts: RegistryClientOptions = {},
  ) {
    const access = opts.access ?? {};
    this.plainHttpAllowed = access.insecure === true || isLoopbackHost(apiHost);
    const tls = registryTlsFiles(host);
    this.agents = makeAgents({ verifyTls: access.insecure !== true, maxSockets: opts.maxSockets ?? 16, ...(tls ? { tls } : {}) });
    this.retry = opts.retry ?? defaultRetryPolicy;
    this.auth = new Authenticator(`registry://${host}`, credentialLoader(host, access), (req) => this.sendWithRetries(req));
  }

  label(repo: string): string {
    return `registry://${this.host}${repo ? `/${repo}` : ''}`;
  }

  /**
   * `GET /v2/`: chooses the scheme and checks this is a registry; 401 is fine (auth comes per request).
   * https first; plain http only when allowed (--insecure, loopback), as docker does. A loopback registry
   * is asked over plain http first: that is what one usually speaks, and the https probe before it cost
   * every call ~40 ms (a TLS context with the CA store, a failed handshake). A TLS registry answers the
   * plain request with 400, and https is tried next.
   */
  async ping(signal?: AbortSignal): Promise<void> {
    if (this.base) return;
    const schemes = !this.plainHttpAllowed ? ['https:'] : isLoopbackHost(this.apiHost) ? ['http:', 'https:'] : ['https:', 'http:'];
    let tlsProblem: unknown;
    let lastError: unknown;
    for (const [i, scheme] of schemes.entries()) {
      const url = new URL(`${scheme}//${this.apiHost}/v2/`);
      // a first try before a fallback is one attempt: a reset there means "not this scheme"
      const probe = i < schemes.length - 1;
      const req: HttpRequest = { method: 'GET', url, ...(signal ? { signal } : {}) };
      let res: HttpResponse;
      try {
        res = probe ? await sendOnce(req, this.agents) : await this.sendWithRetries(req);
      } catch (err) {
        if (isAbortError(err)) throw err;
        if (isClientCertificateRefusal(err)) {
          const where = certDirs().map((d) => `${d}/${this.host}/`)[0] ?? 'a certs.d directory';
          throw connectionError(this.label(''), err, `the registry refused the TLS connection: it wants a client certificate it trusts (put client.cert and client.key in ${where})`);
        }
        if (isCertificateError(err)) tlsProblem = err;
        lastError = err;
        // a server that accepted the connection and never answered will not answer the other scheme either,
        // and that scheme's error (say EPROTO) would hide the real one
        if ((err as NodeJS.ErrnoException).code === 'ETIMEDOUT') break;
        continue;
      }
      drain(res);
      if (res.status === 200 || res.status === 401) {
        this.base = new URL(`${scheme}//${this.apiHost}`);
        return;
      }
      // an HTTPS server answers plain HTTP with 400: https comes next, or its certificate is the real problem
      if (scheme === 'http:' && probe && res.status === 400) continue;
      if (tlsProblem === undefined) throw new BalerError('E_PEER', `${this.label('')}: not a registry: GET /v2/ answered HTTP ${res.status}`);
    }
    if (tlsProblem !== undefined) {
      const where = certDirs().map((d) => `${d}/${this.host}/ca.crt`)[0] ?? 'a certs.d directory (BALER_CERT_DIRS)';
      throw connectionError(this.label(''), tlsProblem, `TLS certificate not trusted (put the registry's CA in ${where} or NODE_EXTRA_CA_CERTS; --insecure skips the check)`);
    }
    const hint = this.plainHttpAllowed ? '' : ' (for a plain-HTTP registry, add --insecure)';
    throw connectionError(this.label(''), lastError, `cannot reach the registry${hint}`);
  }

  /** Sends with auth and retries; any final status is returned (the caller decides what is success). */
  async send(call: RegistryCall): Promise<HttpResponse> {
    await this.ping(call.signal);
    const scopes = [repositoryScope(call.repo, call.push === true), ...(call.extraScopes ?? [])];
    let url = new URL(call.path, this.base);
    let redirects = 0;
    let authRounds = 0;
    for (;;) {
      const authHeader = url.origin === this.base?.origin ? await this.auth.headerFor(scopes) : undefined;
      const req: HttpRequest = {
        method: call.method,
        url,
        headers: { ...(call.headers ?? {}), ...(authHeader ? { Authorization: authHeader } : {}) },
        ...(call.body !== undefined ? { body: call.body } : {}),
        ...(call.signal ? { signal: call.signal } : {}),
      };
      let res: HttpResponse;
      try {
        res = await this.sendWithRetries(req);
      } catch (err) {
        if (isAbortError(err)) throw err;
        throw connectionError(this.label(call.repo), err, call.action);
      }
      if (res.status === 401 && url.origin === this.base?.origin && authRounds < 2 && (await this.auth.onUnauthorized(res, scopes, authHeader))) {
        drain(res);
        authRounds++;
        continue;
      }
      const location = res.headers.location;
      if ((call.method === 'GET' || call.method === 'HEAD') && [301, 302, 303, 307, 308].includes(res.status) && location && redirects < MAX_REDIRECTS) {
        // blob storage behind a redirect gets no registry credentials (the origin check above)
        drain(res);
        url = new URL(location, url);
        redirects++;
        continue;
      }
      return res;
    }
  }

  /** send(), then any status outside `ok` becomes the registry's error. */
  async expect(call: RegistryCall, ok: readonly number[]): Promise<HttpResponse> {
    const res = await this.send(call);
    if (ok.includes(res.status)) return res;
    throw await this.failure(res, call);
  }

  async failure(res: HttpResponse, call: Pick<RegistryCall, 'repo' | 'action'>): Promise<BalerError> {
    const body = res.body.readableEnded ? Buffer.alloc(0) : await readSmallBody(res, ERROR_BODY_LIMIT).catch(() => Buffer.alloc(0));
    const err = registryError(this.label(call.repo), res.status, body, call.action);
    if (res.status !== 401) return err;
    // a 401 after auth: say whose credentials were refused (--creds, a helper, config.json), or that there were none
    return new BalerError(err.code, `${err.message} (${await this.auth.refusalNote(this.host)})`, { cause: err });
  }

  /** One request, retried on 5xx/429 and on connection resets/timeouts with exponential backoff. */
  private async sendWithRetries(req: HttpRequest): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.retry.attempts;
      try {
        const res = await sendOnce(req, this.agents);
        if (!isRetryableStatus(res.status) || last) return res;
        drain(res);
        const retryAfter = res.headers['retry-after'];
        await backoff(this.retry, attempt, req.signal, typeof retryAfter === 'string' ? retryAfter : undefined);
      } catch (err) {
        if (last || !isRetryableError(err) || req.signal?.aborted) throw err;
        await backoff(this.retry, attempt, req.signal);
      }
    }
  }

  close(): void {
    this.agents.destroy();
  }
}

function isCertificateError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code) && !isClientCertificateRefusal(err);
}

/** The server's TLS alert that it wants a (valid) client certificate: mutual TLS. */
function isClientCertificateRefusal(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return typeof code === 'string' && /^ERR_SSL_(SSLV3|TLSV1[0-9]?)_ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|HANDSHAKE_FAILURE)$/.test(code);
}
