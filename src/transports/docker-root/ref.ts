import { isAbsolute, resolve } from 'node:path';
import { BalerError } from '../../errors.js';
import type { ImageRef, ImageSink, ImageSource, OpenOptions, Transport } from '../types.js';

/** Where Docker keeps its data unless `--data-root` says otherwise. */
export const DEFAULT_DOCKER_ROOT = '/var/lib/docker';

/**
 * `docker-root:DIR[:IMAGE]` — an offline Docker data root (formats.md §5). DIR defaults to
 * /var/lib/docker; the first `:` after the prefix ends DIR (paths containing `:` are not supported,
 * as for the archive transports).
 */
export class DockerRootRef implements ImageRef {
  readonly location: string;
  readonly image?: string;

  constructor(
    readonly transport: Transport,
    location: string,
    image: string | undefined,
    private readonly open: (ref: DockerRootRef, o: OpenOptions) => Promise<ImageSource>,
  ) {
    this.location = location;
    if (image !== undefined) this.image = image;
  }

  toString(): string {
    return `docker-root:${this.location}${this.image !== undefined ? `:${this.image}` : ''}`;
  }

  openSource(o: OpenOptions = {}): Promise<ImageSource> {
    return this.open(this, o);
  }

  openSink(): Promise<ImageSink> {
    return Promise.reject(
      new BalerError('E_UNSUPPORTED', `${this.toString()}: a Docker data root is read-only for baler; load into a running daemon with "baler load --into docker" instead`),
    );
  }
}

/** Splits the part after `docker-root:` into the data root and an optional image. */
export function splitDockerRootSpec(spec: string, cwd = process.cwd()): { location: string; image?: string } {
  const body = spec.startsWith('docker-root:') ? spec.slice('docker-root:'.length) : spec === 'docker-root' ? '' : spec;
  const colon = body.indexOf(':');
  const dir = colon >= 0 ? body.slice(0, colon) : body;
  const image = colon >= 0 ? body.slice(colon + 1) : undefined;
  if (image === '') throw new BalerError('E_USAGE', `docker-root:${body}: empty image name after ":"`);
  const location = dir === '' ? DEFAULT_DOCKER_ROOT : isAbsolute(dir) ? resolve(dir) : resolve(cwd, dir);
  return image === undefined ? { location } : { location, image };
}
