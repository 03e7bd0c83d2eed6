import type { Writable } from 'node:stream';
import { MediaTypes } from '../../model/media-types.js';
import { LayoutArchiveSink } from '../layout-archive-sink.js';
import type { ImageRef, OpenOptions, SinkCaps } from '../types.js';

/**
 * oci-archive writer: a tarred OCI layout (formats.md §2.1), the same writer as docker-archive without
 * manifest.json. Keeps layers as they come (gzip, zstd or plain) and multi-platform indexes.
 */
export class OciArchiveSink extends LayoutArchiveSink {
  readonly caps: SinkCaps = {
    manifestTypes: [MediaTypes.ociManifest, MediaTypes.dockerManifest, MediaTypes.ociIndex, MediaTypes.dockerList],
    layerCompressions: ['gzip', 'zstd', 'none'],
    needsSizeFirst: true,
    parallelPuts: false,
    multiImage: true,
    keepsIndexes: true,
  };

  static async open(ref: ImageRef, o: OpenOptions & { stdout?: Writable } = {}): Promise<OciArchiveSink> {
    const what = ref.location === '-' ? 'stdout' : ref.location;
    return new OciArchiveSink(ref, await LayoutArchiveSink.output(ref, o), what);
  }
}
