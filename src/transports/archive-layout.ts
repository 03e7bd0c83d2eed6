import type { Readable } from 'node:stream';
import { BalerError } from '../errors.js';
import type { Descriptor } from '../model/descriptor.js';
import { hexOf, type Digest } from '../model/digest.js';
import { parseIndexManifest, type IndexManifest } from '../model/index-manifest.js';
import { expectObject, parseJsonBytes, JsonLimits } from '../model/json-limits.js';
import type { TocEntry } from '../tar/toc.js';
import type { ArchiveFile } from './archive-file.js';

/**
 * The OCI image layout inside a tar (formats.md §2.1): oci-archive, and the OCI half of a Docker ≥25
 * hybrid docker-archive. Only reads; blobs are looked up by digest under `blobs/sha256/`.
 */
export class ArchiveLayout {
  private index: Promise<IndexManifest> | undefined;

  constructor(private readonly archive: ArchiveFile) {}

  static isLayout(a: ArchiveFile): boolean {
    return a.has('index.json') && a.has('oci-layout');
  }

  /** index.json, after checking oci-layout (parsed, never string-compared: writers differ in spacing). */
  readIndex(): Promise<IndexManifest> {
    this.index ??= this.loadIndex();
    return this.index;
  }

  private async loadIndex(): Promise<IndexManifest> {
    const what = this.archive.what;
    const layoutBytes = await this.archive.readSmall(this.archive.resolve('oci-layout', 'oci-layout'), JsonLimits.small, 'oci-layout');
    const layout = expectObject(parseJsonBytes(layoutBytes, `${what}: oci-layout`, JsonLimits.small), `${what}: oci-layout`);
    if (typeof layout.imageLayoutVersion !== 'string') {
      throw new BalerError('E_FORMAT', `${what}: oci-layout: missing "imageLayoutVersion"`);
    }
    if (!layout.imageLayoutVersion.startsWith('1.')) {
      throw new BalerError('E_UNSUPPORTED', `${what}: oci-layout: unsupported imageLayoutVersion ${JSON.stringify(layout.imageLayoutVersion)}`);
    }
    const bytes = await this.archive.readSmall(this.archive.resolve('index.json', 'index.json'), JsonLimits.manifest, 'index.json');
    return parseIndexManifest(bytes, `${what}: index.json`);
  }

  /** The member holding a blob, or undefined when the archive lacks it. */
  findBlob(d: Digest): TocEntry | undefined {
    return this.archive.find(`blobs/sha256/${hexOf(d)}`, `blob ${d}`);
  }

  requireBlob(d: Digest): TocEntry {
    const e = this.findBlob(d);
    if (!e) throw new BalerError('E_NOT_FOUND', `${this.archive.what}: blob ${d} is not in the archive (blobs/sha256/${hexOf(d)})`);
    return e;
  }

  /** Raw manifest or index bytes of a descriptor, capped; NOT verified (the pipeline verifies). */
  async readManifest(d: Descriptor): Promise<Buffer> {
    return this.archive.readSmall(this.requireBlob(d.digest), JsonLimits.manifest, `manifest ${d.digest}`);
  }

  openBlob(d: Digest): Readable {
    return this.archive.open(this.requireBlob(d));
  }
}
