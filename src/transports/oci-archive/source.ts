import { BalerError } from '../../errors.js';
import type { ImageName } from '../../model/image-name.js';
import { nameFromIndexEntry } from '../../model/layout-names.js';
import { openArchiveFile, type OpenArchiveOptions } from '../archive-file.js';
import { ArchiveLayout } from '../archive-layout.js';
import { ArchiveSource, mergeByDigest } from '../archive-source.js';
import type { ImageRef, SourceEntry } from '../types.js';

/**
 * oci-archive reader (formats.md §2.1): a tarred OCI layout as skopeo, podman and buildkit write it.
 * Every index.json entry (an image manifest or a nested index) is one image; entries repeating a
 * digest (one per tag) are merged. Blobs come straight from `blobs/sha256/`.
 */
export class OciArchiveSource extends ArchiveSource {
  static async open(ref: ImageRef, o: OpenArchiveOptions = {}): Promise<OciArchiveSource> {
    const archive = await openArchiveFile(ref.location, ref.location === '-' ? 'stdin' : ref.location, o);
    try {
      // a Docker ≥25 hybrid is also a valid OCI layout, so only the layout files are required
      if (!ArchiveLayout.isLayout(archive)) {
        const hint = archive.kind() === 'docker-archive' ? ' (it is a docker-archive)' : '';
        throw new BalerError('E_FORMAT', `${archive.what}: not an oci-archive, no index.json and oci-layout${hint}`);
      }
      return new OciArchiveSource(ref, archive);
    } catch (err) {
      await archive.close();
      throw err;
    }
  }

  protected async listAll(): Promise<SourceEntry[]> {
    const index = await (this.layout as ArchiveLayout).readIndex();
    const entries = index.manifests.map((d): SourceEntry => {
      const name = nameFromIndexEntry(d);
      return { descriptor: d, names: [name].filter((n): n is ImageName => n !== undefined) };
    });
    return mergeByDigest(entries);
  }
}
