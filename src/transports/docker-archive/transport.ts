import { ArchiveRef, splitArchiveSpec } from '../archive-ref.js';
import type { ImageRef, Transport } from '../types.js';
import { DockerArchiveSink } from './sink.js';
import { DockerArchiveSource } from './source.js';

/** `docker-archive:PATH[:IMAGE]`; PATH `-` is stdin/stdout. */
export const dockerArchiveTransport: Transport = {
  name: 'docker-archive',
  parse(spec: string): ImageRef {
    const { location, image } = splitArchiveSpec('docker-archive', spec);
    return new ArchiveRef(dockerArchiveTransport, location, image, {
      source: (ref, o) => DockerArchiveSource.open(ref, { ...(o.signal ? { signal: o.signal } : {}), ...(o.onWarning ? { onWarning: o.onWarning } : {}) }),
      sink: (ref, o) => DockerArchiveSink.open(ref, o),
    });
  },
};
