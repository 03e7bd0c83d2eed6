import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSecureContext, type SecureContext } from 'node:tls';
import { defaultCaCertificates, deferredCaSecureContext } from '../../io/deferred-ca-certs.js';
import { BalerError } from '../../errors.js';
import type { RegistryTlsFiles } from './cert-dirs.js';

/**
 * One HTTP exchange over node:http/https with keep-alive agents, plus the retry policy the registry client
 * uses. Bodies are in memory (a manifest, or one upload chunk as the pieces the source gave) so a retried
 * request can resend them; response bodies stay streams, so a layer is never held in memory.
 */
export interface HttpRequest {
  readonly method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: RequestBody;
  readonly signal?: AbortSignal;
}

/** One buffer, or pieces sent back to back (an upload chunk is not copied into one buffer first). */
export type RequestBody = Buffer | readonly Buffer[];

function bodyLength(body: RequestBody): number {
  return Buffer.isBuffer(body) ? body.length : body.reduce((n, b) => n + b.length, 0);
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: IncomingMessage;
  readonly url: URL;
}

export interface HttpAgents {
  readonly http: http.Agent;
  readonly https: https.Agent;
  destroy(): void;
}

/** Sockets idle longer than this fail the request with ETIMEDOUT (retried like a reset). */
const SOCKET_TIMEOUT_MS = 120_000;

export function makeAgents(opts: { verifyTls: boolean; maxSockets: number; tls?: RegistryTlsFiles }): HttpAgents {
  const h = new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets });
  const makeHttps = (): https.Agent => {
    const secureContext = tlsContext(opts.verifyTls, opts.tls);
    return new https.Agent({ keepAlive: true, maxSockets: opts.maxSockets, rejectUnauthorized: opts.verifyTls, ...(secureContext ? { secureContext } : {}) });
  };
  // Without certs.d files, made on first use: the context parses every trusted CA (~160 ms for
  // NODE_EXTRA_CA_CERTS set to Debian's bundle, measured here), which a pull over plain HTTP from a loopback
  // registry never needs. certs.d files are read at once, so a broken one is reported as such, up front.
  let s: https.Agent | undefined = opts.tls ? makeHttps() : undefined;
  return {
    http: h,
    get https(): https.Agent {
      s ??= makeHttps();
      return s;
    },
    destroy() {
      h.destroy();
      s?.destroy();
    },
  };
}

/**
 * The registry's certs.d files (cert-dirs.ts) on top of the usual CAs; else NODE_EXTRA_CA_CERTS, when the
 * launcher left it for the first TLS user to load (io/deferred-ca-certs.ts); else node's default.
 */
function tlsContext(verifyTls: boolean, files: RegistryTlsFiles | undefined): SecureContext | undefined {
  if (!files) return verifyTls ? deferredCaSecureContext() : undefined;
  try {
    return createSecureContext({
      ...(verifyTls && files.ca.length > 0 ? { ca: [...defaultCaCertificates(), ...files.ca] } : {}),
      ...(files.cert !== undefined && files.key !== undefined ? { cert: files.cert, key: files.key } : {}),
    });
  } catch (err) {
    // OpenSSL's words, without its "error:0480006C:" prefix: "PEM routines::no start line", "key values mismatch"
    const why = (err instanceof Error ? err.message : String(err)).replace(/^error:[0-9A-F]+:/, '');
    throw new BalerError('E_USAGE', `the TLS files in ${files.from.join(', ')} cannot be used: ${why}`, { cause: err });
  }
}

export function sendOnce(req: HttpRequest, agents: HttpAgents): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const secure = req.url.protocol === 'https:';
    const headers: Record<string, string> = { 'User-Agent': 'baler', ...(req.headers ?? {}) };
    if (req.body !== undefined) headers['Content-Length'] = String(bodyLength(req.body));
    else if (req.method === 'PUT' || req.method === 'POST' || req.method === 'PATCH') headers['Content-Length'] = '0';
    const r = (secure ? https : http).request(
      req.url,
      { method: req.method, headers, agent: secure ? agents.https : agents.http, ...(req.signal ? { signal: req.signal } : {}) },
      (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url: req.url }),
    );
    r.setTimeout(SOCKET_TIMEOUT_MS, () => r.destroy(Object.assign(new Error(`no answer for ${SOCKET_TIMEOUT_MS / 1000}s`), { code: 'ETIMEDOUT' })));
    r.on('error', reject);
    if (req.body === undefined || Buffer.isBuffer(req.body)) r.end(req.body);
    else {
      // corked, the pieces leave in one writev instead of a syscall each
      r.cork();
      for (const piece of req.body) r.write(piece);
      r.end();
    }
  });
}

/** Discards a response body so its socket goes back to the pool. */
export function drain(res: HttpResponse): void {
  res.body.resume();
}

/** Reads a small response body (errors, tokens, tag lists), refusing more than `limit` bytes. */
export async function readSmallBody(res: HttpResponse, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of res.body) {
    n += (chunk as Buffer).length;
    if (n > limit) {
      res.body.destroy();
      break;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** Delay before the second attempt; doubles each time (capped at 30 s). */
  readonly baseDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, baseDelayMs: 250 };

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRY_ERRORS = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

export function isRetryableStatus(status: number): boolean {
  return RETRY_STATUS.has(status);
}

export function isRetryableError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return typeof code === 'string' && RETRY_ERRORS.has(code);
}

/** Waits before attempt `attempt` (1-based count of failures so far); a 429's Retry-After wins when shorter than 30 s. */
export async function backoff(policy: RetryPolicy, attempt: number, signal: AbortSignal | undefined, retryAfter?: string): Promise<void> {
  const hinted = retryAfter !== undefined && /^[0-9]+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
  const exp = Math.min(30_000, policy.baseDelayMs * 2 ** (attempt - 1));
  await sleep(hinted !== undefined ? Math.min(hinted, 30_000) : exp, undefined, signal ? { signal } : {});
}
