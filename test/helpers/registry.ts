import { spawn, spawnSync } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { skipUnlessTools } from './tools.js';
import { isAlive, stopByPid } from './stop-process.js';

/**
 * A real registry for tests: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 and a free port,
 * filesystem storage in a temp dir, delete enabled; optionally with htpasswd Basic auth. Stopped by pid.
 */
export interface BasicAuthUser {
  readonly user: string;
  readonly password: string;
}

export interface RunningRegistry {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  readonly dir: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** htpasswd line with a bcrypt hash from the system crypt(3) via perl (libxcrypt does $2b$; htpasswd is not installed). */
export function htpasswdLine(u: BasicAuthUser): string {
  const salt = '$2b$05$' + Buffer.from(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256))).toString('base64').replace(/[+=]/g, '.').slice(0, 22);
  const r = spawnSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', u.password, salt], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout.startsWith('$2b$')) throw new Error(`perl crypt() gave no bcrypt hash: ${r.stdout} ${r.stderr}`);
  return `${u.user}:${r.stdout}\n`;
}

/** distribution's `auth: token:` section: JWTs from `realm`, signed by a key whose certificate is in `rootCertBundle`. */
export interface TokenAuthConfig {
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  readonly rootCertBundle: string;
}

export function registryConfig(dir: string, port: number, auth: boolean, tls = false, token?: TokenAuthConfig, clientCa?: string): string {
  return [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    ...(tls ? ['  tls:', `    certificate: ${join(dir, 'cert.pem')}`, `    key: ${join(dir, 'key.pem')}`] : []),
    ...(tls && clientCa ? ['    clientcas:', `      - ${clientCa}`] : []),
    ...(auth ? ['auth:', '  htpasswd:', '    realm: baler-test', `    path: ${join(dir, 'htpasswd')}`] : []),
    ...(token ? ['auth:', '  token:', `    realm: ${token.realm}`, `    service: ${token.service}`, `    issuer: ${token.issuer}`, `    rootcertbundle: ${token.rootCertBundle}`] : []),
    '',
  ].join('\n');
}

/** Stops a registry the tests started (SIGTERM, then SIGKILL after 5 s). */
export const stopPid = (pid: number): Promise<void> => stopByPid(pid);

async function waitUntilServing(host: string, pid: number, tls: boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (!isAlive(pid)) throw new Error(`docker-registry on ${host} exited during start-up`);
    try {
      // a TLS registry answers plain HTTP with 400: listening is all this waits for
      const res = await fetch(`http://${host}/v2/`);
      if (res.status === 200 || res.status === 401 || (tls && res.status === 400)) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`docker-registry on ${host} did not answer within 10 s`);
}

export interface RegistryOptions {
  readonly basicAuth?: BasicAuthUser;
  /** Serve HTTPS with a fresh self-signed certificate for 127.0.0.1 (made with openssl). */
  readonly selfSignedTls?: boolean;
  /** Bearer token auth against a token server the test runs (test/helpers/token-server.ts). */
  readonly tokenAuth?: TokenAuthConfig;
  /** With selfSignedTls: require client certificates signed by this CA (a PEM file). */
  readonly clientCa?: string;
}

function makeSelfSignedCert(dir: string): void {
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
}

/** Starts one registry (its own temp dir and port); the caller must stop() it. */
export async function startRegistry(opts: RegistryOptions = {}): Promise<RunningRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'baler-registry-'));
  const port = await freePort();
  if (opts.basicAuth) await writeFile(join(dir, 'htpasswd'), htpasswdLine(opts.basicAuth));
  if (opts.selfSignedTls) makeSelfSignedCert(dir);
  await writeFile(join(dir, 'config.yml'), registryConfig(dir, port, opts.basicAuth !== undefined, opts.selfSignedTls === true, opts.tokenAuth, opts.clientCa));
  const log = openSync(join(dir, 'registry.log'), 'a');
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', log, log], detached: false });
  closeSync(log);
  const pid = child.pid as number;
  child.unref();
  const host = `127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await stopPid(pid);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    await waitUntilServing(host, pid, opts.selfSignedTls === true);
  } catch (err) {
    await stop();
    throw err;
  }
  return { host, dir, pid, stop };
}

export interface RegistryFixture {
  readonly skip: string | false;
  /** `127.0.0.1:PORT`; valid inside tests. */
  readonly host: string;
  readonly dir: string;
}

/** before()/after() hooks for a test file: one registry, always stopped by pid afterwards. */
export function withRegistry(opts: RegistryOptions = {}): RegistryFixture {
  const skip = skipUnlessTools('docker-registry', ...(opts.basicAuth ? ['perl'] : []), ...(opts.selfSignedTls ? ['openssl'] : []));
  let running: RunningRegistry | undefined;
  before(async () => {
    if (!skip) running = await startRegistry(opts);
  }, { timeout: 30_000 });
  after(async () => {
    await running?.stop();
    running = undefined;
  }, { timeout: 30_000 });
  return {
    skip,
    get host() {
      if (!running) throw new Error('withRegistry: the registry is not running');
      return running.host;
    },
    get dir() {
      if (!running) throw new Error('withRegistry: the registry is not running');
      return running.dir;
    },
  };
}

export interface CuttingProxy {
  /** `127.0.0.1:PORT` of the proxy. */
  readonly host: string;
  /** Connections cut so far (the test asserts it happened, so it cannot pass without a resume). */
  readonly cuts: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a real registry that breaks one connection, once, as a flaky network would:
 * `download` closes it after more than `cutAfterBytes` came from the registry (a blob broken mid-body);
 * `lose-response` closes the connection of the first answer after more than `cutAfterBytes` went to the
 * registry (the registry handled the upload request, the client never hears so). Bytes are counted over
 * all connections.
 */
export async function cuttingProxy(target: string, cutAfterBytes: number, mode: 'download' | 'lose-response' = 'download'): Promise<CuttingProxy> {
  const { createConnection } = await import('node:net');
  const [targetHost, targetPort] = [target.replace(/:[0-9]+$/, ''), Number(target.replace(/^.*:/, ''))];
  let cuts = 0;
  // counted over all connections: a client may or may not reuse one
  let sent = 0;
  let received = 0;
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: targetHost, port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    let broken = false;
    const cut = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (b: Buffer) => {
      sent += b.length;
      if (!broken) upstream.write(b);
    });
    upstream.on('data', (b: Buffer) => {
      received += b.length;
      if (broken) return;
      const lose = mode === 'lose-response' ? sent > cutAfterBytes : received > cutAfterBytes;
      if (cuts === 0 && lose) {
        cuts++;
        broken = true;
        // download: pass on the bytes up to the cut; lose-response: pass on nothing of the answer
        const keep = mode === 'download' ? b.length - (received - cutAfterBytes) : 0;
        client.write(b.subarray(0, keep), cut);
        return;
      }
      client.write(b);
    });
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    get cuts() {
      return cuts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
