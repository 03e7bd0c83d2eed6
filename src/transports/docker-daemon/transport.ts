import { BalerError } from '../../errors.js';
import type { ImageRef, ImageSink, ImageSource, OpenOptions, Transport } from '../types.js';
import { DockerEngine, dockerSocketFromEnv } from './client.js';
import { DockerDaemonSink } from './sink.js';
import { DockerDaemonSource } from './source.js';

/** `docker[:IMAGE]`: the running Docker daemon at $DOCKER_HOST (unix://) or /var/run/docker.sock. */
export class DockerDaemonRef implements ImageRef {
  readonly image?: string;
  constructor(
    readonly transport: Transport,
    readonly location: string,
    image: string | undefined,
  ) {
    if (image !== undefined) this.image = image;
  }

  toString(): string {
    return `docker${this.image !== undefined ? `:${this.image}` : ''}`;
  }

  async openSource(o: OpenOptions = {}): Promise<ImageSource> {
    const engine = new DockerEngine(this.location);
    await engine.ping();
    return new DockerDaemonSource(this, engine, o);
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
    return dockerDaemonRefAt(dockerSocketFromEnv(), body === '' ? undefined : body);
  },
};

/** A daemon reference for an explicit socket path (tests, a --host flag) rather than $DOCKER_HOST. */
export function dockerDaemonRefAt(socketPath: string, image?: string): DockerDaemonRef {
  return new DockerDaemonRef(dockerDaemonTransport, socketPath, image);
}
