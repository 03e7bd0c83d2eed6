import { request, type IncomingMessage } from 'node:http';
import { resolve } from 'node:path';
import { DEFAULT_DOCKER_ROOT } from '../docker-root/ref.js';
import type { Readable } from 'node:stream';
import { BalerError } from '../../errors.js';
import { readAtMost } from '../../io/read-all.js';
import { isObject, parseJsonBytes } from '../../model/json-limits.js';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** The daemon socket from DOCKER_HOST (`unix://PATH`), else /var/run/docker.sock; TCP hosts are not supported. */
export function dockerSocketFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.DOCKER_HOST;
  if (!host) return DEFAULT_DOCKER_SOCKET;
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  if (host.startsWith('/')) return host;
  throw new BalerError('E_UNSUPPORTED', `DOCKER_HOST=${host}: only unix:// sockets are supported`);
}

/**
 * Where the daemon at `socket` keeps its data, for reading it offline: $BALER_DOCKER_ROOT when set,
 * else /var/lib/docker for the default socket; none for another socket (its data root is unknown).
 */
export function offlineRootFor(socket: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.BALER_DOCKER_ROOT) return resolve(env.BALER_DOCKER_ROOT);
  return socket === DEFAULT_DOCKER_SOCKET ? DEFAULT_DOCKER_ROOT : undefined;
}

/**
 * When `root` is the data root of a daemon that answers, the reason to prefer its API (a running
 * daemon may be writing while the files are read); undefined when no such daemon answers.
 */
export async function liveDaemonOf(root: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  let socket: string;
  try {
    socket = dockerSocketFromEnv(env);
  } catch {
    return undefined;
  }
  if (offlineRootFor(socket, env) !== resolve(root)) return undefined;
  const engine = new DockerEngine(socket);
  const alive = await engine.ping().then(() => true, () => false);
  return alive ? `${root} belongs to the running ${engine.label}; it is read offline as asked, but --from docker (its API) sees a consistent state while the daemon works` : undefined;
}

/** True for "nothing listens on the socket" (no file, connection refused), not for "permission denied". */
export function isDaemonDown(err: unknown): boolean {
  const cause = err instanceof BalerError ? (err.cause as NodeJS.ErrnoException | undefined) : undefined;
  return cause?.code === 'ENOENT' || cause?.code === 'ECONNREFUSED';
}

/** One row of GET /images/json. */
export interface EngineImage {
  id: string;
  repoTags: string[];
  created: number;
  size: number;
}

/** One row of GET /containers/json?all=1 (`docker ps -a`). */
export interface EngineContainer {
  id: string;
  /** Without Docker's leading "/". */
  name: string;
  image: string;
  imageId: string;
  /** Unix seconds. */
  created: number;
  state: string;
  /** "Up 3 minutes", "Exited (0) 2 hours ago"… as the daemon words it. */
  status: string;
}

/**
 * A minimal Docker Engine API client over the unix socket (node:http `socketPath`; no docker CLI).
 * Unversioned paths: the daemon answers with its own default API version.
 */
export class DockerEngine {
  constructor(readonly socketPath: string) {}

  get label(): string {
    return `docker daemon at unix://${this.socketPath}`;
  }

  /** Sends a request and resolves with the response once its status is known; ≥400 becomes a BalerError. */
  async send(method: string, path: string, o: { body?: Readable; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<IncomingMessage> {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, method, path, headers: { Host: 'docker', ...(o.headers ?? {}) }, ...(o.signal ? { signal: o.signal } : {}) }, resolve);
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.name === 'AbortError') reject(new BalerError('E_CANCELLED', `${this.label}: cancelled`, { cause: err }));
        else if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') reject(new BalerError('E_IO', `cannot connect to the ${this.label}: is the daemon running?`, { cause: err }));
        else if (err.code === 'EACCES') reject(new BalerError('E_IO', `cannot connect to the ${this.label}: permission denied (root or the docker group is needed)`, { cause: err }));
        else reject(new BalerError('E_IO', `${this.label}: ${err.message}`, { cause: err }));
      });
      if (o.body) {
        o.body.on('error', (err) => req.destroy(err));
        o.body.pipe(req);
      } else req.end();
    });
    const status = res.statusCode ?? 0;
    if (status >= 400) {
      const text = (await readAtMost(res, 64 * 1024, `${this.label} error body`).catch(() => Buffer.alloc(0))).toString('utf8');
      let message = text.trim();
      try {
        const o = JSON.parse(text) as unknown;
        if (isObject(o) && typeof o.message === 'string') message = o.message;
      } catch {
        // not JSON: keep the text
      }
      const code = status === 404 ? 'E_NOT_FOUND' : 'E_PEER';
      throw new BalerError(code, `${this.label}: ${method} ${path.split('?')[0]}: ${message || `HTTP ${status}`}`);
    }
    return res;
  }

  async json(method: string, path: string): Promise<unknown> {
    const res = await this.send(method, path);
    return parseJsonBytes(await readAtMost(res, 64 * 1024 * 1024, `${this.label} ${path}`), `${this.label} ${path}`, 64 * 1024 * 1024);
  }

  async ping(): Promise<void> {
    (await this.send('GET', '/_ping')).resume();
  }

  async listImages(): Promise<EngineImage[]> {
    const rows = await this.json('GET', '/images/json');
    if (!Array.isArray(rows)) throw new BalerError('E_PEER', `${this.label}: /images/json did not return a list`);
    return rows.filter(isObject).map((r) => ({
      id: typeof r.Id === 'string' ? r.Id : '',
      repoTags: Array.isArray(r.RepoTags) ? r.RepoTags.filter((t): t is string => typeof t === 'string' && t !== '<none>:<none>') : [],
      created: typeof r.Created === 'number' ? r.Created : 0,
      size: typeof r.Size === 'number' ? r.Size : 0,
    }));
  }

  async listContainers(): Promise<EngineContainer[]> {
    const rows = await this.json('GET', '/containers/json?all=1');
    if (!Array.isArray(rows)) throw new BalerError('E_PEER', `${this.label}: /containers/json did not return a list`);
    const text = (v: unknown): string => (typeof v === 'string' ? v : '');
    return rows.filter(isObject).map((r) => ({
      id: text(r.Id),
      name: Array.isArray(r.Names) && typeof r.Names[0] === 'string' ? r.Names[0].replace(/^\//, '') : '',
      image: text(r.Image),
      imageId: text(r.ImageID),
      created: typeof r.Created === 'number' ? r.Created : 0,
      state: text(r.State),
      status: text(r.Status),
    }));
  }

  /** The container's full ID and name when `nameOrId` names one (name, ID or unique prefix), else undefined. */
  async findContainer(nameOrId: string): Promise<{ id: string; name: string } | undefined> {
    let o: unknown;
    try {
      o = await this.json('GET', `/containers/${encodeURIComponent(nameOrId)}/json`);
    } catch (err) {
      if (err instanceof BalerError && err.code === 'E_NOT_FOUND') return undefined;
      throw err;
    }
    if (!isObject(o) || typeof o.Id !== 'string') throw new BalerError('E_PEER', `${this.label}: container ${nameOrId}: unexpected inspect answer`);
    return { id: o.Id, name: typeof o.Name === 'string' ? o.Name.replace(/^\//, '') : '' };
  }

  /** `docker export`: the container's file system as one tar stream. */
  exportContainer(id: string, signal?: AbortSignal): Promise<Readable> {
    return this.send('GET', `/containers/${encodeURIComponent(id)}/export`, signal ? { signal } : {});
  }

  /** `docker save`: a docker-archive stream of the named images (names or IDs). */
  async exportImages(names: readonly string[], signal?: AbortSignal): Promise<Readable> {
    const q = names.map((n) => `names=${encodeURIComponent(n)}`).join('&');
    return this.send('GET', `/images/get?${q}`, signal ? { signal } : {});
  }

  /**
   * `docker load`: posts a docker-archive and returns the daemon's progress messages ("Loaded image: …").
   * The daemon reports a failed load inside a 200 response as {"errorDetail"…}: that becomes E_PEER.
   */
  async loadImages(body: Readable, size: number, signal?: AbortSignal): Promise<string[]> {
    const res = await this.send('POST', '/images/load?quiet=1', {
      body,
      headers: { 'Content-Type': 'application/x-tar', 'Content-Length': String(size) },
      ...(signal ? { signal } : {}),
    });
    const text = (await readAtMost(res, 16 * 1024 * 1024, `${this.label} load response`)).toString('utf8');
    const messages: string[] = [];
    for (const line of text.split(/\r?\n/)) {
      if (line.trim() === '') continue;
      let o: unknown;
      try {
        o = JSON.parse(line);
      } catch {
        messages.push(line.trim());
        continue;
      }
      if (!isObject(o)) continue;
      if (typeof o.error === 'string') throw new BalerError('E_PEER', `${this.label}: load failed: ${o.error}`);
      if (typeof o.stream === 'string' && o.stream.trim()) messages.push(o.stream.trim());
    }
    return messages;
  }
}
