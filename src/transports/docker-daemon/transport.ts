import { stat } from 'node:fs/promises';
import { BalerError } from '../../errors.js';
import { containerdStoreOf } from '../docker-root/drivers.js';
import { dockerRootTransport } from '../docker-root/transport.js';
import type { ImageRef, ImageSink, ImageSource, OpenOptions, Transport } from '../types.js';
import { DockerEngine, dockerSocketFromEnv, isDaemonDown, offlineRootFor } from './client.js';
import { DockerDaemonSink } from './sink.js';
import { DockerDaemonSource } from './source.js';

/** What `docker` resolved to: the live daemon, or (daemon down) its data root read offline. */
export type DockerPlace = { kind: 'daemon'; engine: DockerEngine } | { kind: 'docker-root'; root: string; reason: string };

/**
 * `docker[:IMAGE]`: the running Docker daemon at $DOCKER_HOST (unix://) or /var/run/docker.sock. As a
 * source it prefers the live daemon's API; when the socket does not answer and `offlineRoot` holds a
 * Docker data root, it reads that root offline instead and says so (W_DOCKER_OFFLINE).
 */
export class DockerDaemonRef implements ImageRef {
  readonly image?: string;
  constructor(
    readonly transport: Transport,
    readonly location: string,
    image: string | undefined,
    /** The data root of the daemon behind `location`, for reading offline when it is down. */
    readonly offlineRoot?: string,
  ) {
    if (image !== undefined) this.image = image;
  }

  toString(): string {
    return `docker${this.image !== undefined ? `:${this.image}` : ''}`;
  }

  /** The live daemon when it answers a ping; else the offline data root when there is one; else the daemon's error. */
  async reach(): Promise<DockerPlace> {
    const engine = new DockerEngine(this.location);
    try {
      await engine.ping();
      return { kind: 'daemon', engine };
    } catch (err) {
      const root = this.offlineRoot;
      if (root === undefined || !isDaemonDown(err)) throw err;
      const isRoot = await stat(`${root}/image`).then((s) => s.isDirectory(), () => false);
      if (!isRoot) {
        // a root of the containerd image store has no images to read offline: say so rather than only "not running"
        const store = await containerdStoreOf(root);
        if (store) throw new BalerError('E_IO', `${engine.label} is not answering, and its data root ${root} cannot be read offline instead: its images are in containerd's content store (${store}); start the daemon`, { cause: (err as BalerError).cause });
        throw err;
      }
      return { kind: 'docker-root', root, reason: `${engine.label} is not answering, so ${root} is read offline instead (docker-root:${root})` };
    }
  }

  async openSource(o: OpenOptions = {}): Promise<ImageSource> {
    const place = await this.reach();
    if (place.kind === 'daemon') return new DockerDaemonSource(this, place.engine, o);
    o.onWarning?.('W_DOCKER_OFFLINE', place.reason);
    const image = this.image !== undefined ? `:${this.image}` : '';
    return dockerRootTransport.parse(`docker-root:${place.root}${image}`).openSource(o);
  }

  openSink(o: OpenOptions = {}): Promise<ImageSink> {
    if (this.image !== undefined) {
      return Promise.reject(new BalerError('E_USAGE', `${this.toString()}: name the images with the verb (e.g. --tag), not in the docker: reference`));
    }
    return DockerDaemonSink.open(this, new DockerEngine(this.location), o);
  }
}

export const dockerDaemonTransport: Transport = {
  name: 'docker',
  parse(spec: string): DockerDaemonRef {
    const body = spec === 'docker' ? '' : spec.startsWith('docker:') ? spec.slice('docker:'.length) : spec;
    const socket = dockerSocketFromEnv();
    return new DockerDaemonRef(dockerDaemonTransport, socket, body === '' ? undefined : body, offlineRootFor(socket));
  },
};

/** A daemon reference for an explicit socket path (tests, a --host flag) rather than $DOCKER_HOST; no offline fallback unless given. */
export function dockerDaemonRefAt(socketPath: string, image?: string, offlineRoot?: string): DockerDaemonRef {
  return new DockerDaemonRef(dockerDaemonTransport, socketPath, image, offlineRoot);
}
