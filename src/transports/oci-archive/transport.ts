import { ArchiveRef, splitArchiveSpec } from '../archive-ref.js';
import type { ImageRef, Transport } from '../types.js';
import { OciArchiveSink } from './sink.js';
import { OciArchiveSource } from './source.js';

/** `oci-archive:PATH[:IMAGE]`; PATH `-` is stdin/stdout. */
export const ociArchiveTransport: Transport = {
  name: 'oci-archive',
  parse(spec: string): ImageRef {
    const { location, image } = splitArchiveSpec('oci-archive', spec);
    return new ArchiveRef(ociArchiveTransport, location, image, {
      source: (ref, o) => OciArchiveSource.open(ref, { ...(o.signal ? { signal: o.signal } : {}), ...(o.onWarning ? { onWarning: o.onWarning } : {}) }),
      sink: (ref, o) => OciArchiveSink.open(ref, o),
    });
  },
};
