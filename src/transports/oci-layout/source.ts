import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BalerError, fromSystemError } from '../../errors.js';
import type { Descriptor } from '../../model/descriptor.js';
import { digestFromHex, type Digest } from '../../model/digest.js';
import type { ImageName } from '../../model/image-name.js';
import { familiarName, parseImageName, sameName } from '../../model/image-name.js';
import type { StoreImage } from '../../store/images.js';
import { ReadLease } from '../../store/read-lease.js';
import { resolveImage } from '../../store/resolve.js';
import type { Store } from '../../store/store.js';
import { hasBlob } from '../../store/blobs.js';
import { blobPath } from '../../store/layout.js';
import type { BlobFile, ImageRef, ImageSource, SourceEntry } from '../types.js';

/**
 * Reads an OCI image layout: the embedded store or any `oci:DIR` written by skopeo, podman,
 * umoci, Docker ≥25 or baler. Every index entry is listed, grouped by digest with all its names.
 * With an IMAGE in the reference only that image is listed: an exact ref.name match first (what
 * skopeo's `oci:DIR:IMAGE` means), then baler's usual name / ID resolution.
 */
export class LayoutSource implements ImageSource {
  /**
   * The blobs of the images listed, held until dispose so rm + prune meanwhile leave them
   * (store/read-lease.ts). Only for baler's store: an `oci:DIR` is someone's input, which a read must
   * not write into (a killed reader would leave its lease file among the layout's blobs).
   */
  private readonly lease: ReadLease | undefined;

  /** `wanted`: the images the caller will read (OpenOptions.wanted), so only theirs are leased. */
  constructor(
    readonly ref: ImageRef,
    private readonly store: Store,
    private readonly wanted: readonly string[] = [],
    o: { leaseReads?: boolean; onWarning?: (code: string, message: string) => void } = {},
  ) {
    const warn = o.onWarning;
    // said like a source's warning: stderr, also under -q, and never into stdout (which may be the archive)
    const wait = warn ? { onWaiting: (m: string) => warn(STORE_BUSY_WARNING, m), onGaveUp: (m: string) => warn(STORE_BUSY_WARNING, m) } : {};
    this.lease = o.leaseReads === true ? new ReadLease(store.root, wait) : undefined;
  }

  async list(): Promise<SourceEntry[]> {
    const images = !this.lease ? await this.store.images() : await this.lease.resolveLeased(
      () => this.store.images(),
      (all) => this.toRead(all),
    );
    const selected = this.ref.image === undefined ? images.map((image) => ({ image, names: image.names })) : [this.select(images, this.ref.image)];
    return selected.map(({ image, names }) => {
      const entry: SourceEntry = { descriptor: image.descriptor, names };
      if (image.created) entry.created = image.created;
      return entry;
    });
  }

  /** The top-level descriptors of the images a read will take: IMAGE's, else the wanted ones, else all. */
  private toRead(images: StoreImage[]): Descriptor[] {
    const queries = this.ref.image !== undefined ? [this.ref.image] : this.wanted;
    if (queries.length === 0) return images.map((i) => i.descriptor);
    return queries.flatMap((query) => {
      try {
        return [this.select(images, query).image.descriptor];
      } catch {
        return []; // not there: the read says so, and there is nothing to lease
      }
    });
  }

  /** The image IMAGE picks, with only the name(s) IMAGE stands for (all of them when given by ID). */
  private select(images: StoreImage[], wanted: string): { image: StoreImage; names: ImageName[] } {
    const asName = parseNameOrUndefined(wanted);
    const only = (image: StoreImage): ImageName[] => (asName ? image.names.filter((n) => sameName(n, asName)) : []);
    // ref.name as another tool wrote it ("latest", "imga:1", "localhost/imga:1")
    const byRefName = images.find((i) => i.refNames.includes(wanted));
    if (byRefName) return { image: byRefName, names: only(byRefName) };
    try {
      const hit = resolveImage(images, wanted);
      return { image: hit.image, names: hit.by === 'name' && hit.name ? [hit.name] : hit.image.names };
    } catch (err) {
      if (err instanceof BalerError && err.code === 'E_NOT_FOUND') {
        const known = images.flatMap((i) => i.names.map(familiarName));
        throw new BalerError('E_NOT_FOUND', `${this.store.root}: no image ${JSON.stringify(wanted)} in this layout${known.length ? ` (it has ${known.slice(0, 5).join(', ')}${known.length > 5 ? ', …' : ''})` : ''}`);
      }
      throw err;
    }
  }

  fetchManifest(d: Descriptor): Promise<Uint8Array> {
    return this.store.readManifest(d.digest);
  }

  async fetchBlob(d: Descriptor): Promise<Readable> {
    await this.lease?.renew();
    return this.store.openBlob(d.digest);
  }

  holdsBlob(d: Digest): Promise<boolean> {
    return hasBlob(this.store.root, d);
  }

  async openBlobFile(d: Descriptor): Promise<BlobFile | undefined> {
    let fh: FileHandle;
    try {
      fh = await open(blobPath(this.store.root, d.digest), 'r');
    } catch {
      return undefined; // fetchBlob reports a missing or unreadable blob
    }
    const size = (await fh.stat()).size;
    if (size !== d.size) {
      await fh.close();
      return undefined;
    }
    return { size, fd: fh.fd, read: (buffer, offset, length, position) => fh.read(buffer, offset, length, position), close: () => fh.close() };
  }

  /** For verify: blob files under blobs/sha256/ (temp names and anything not 64-hex ignored). */
  async storedBlobs(): Promise<Digest[]> {
    let names: string[];
    try {
      names = await readdir(join(this.store.root, 'blobs', 'sha256'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw fromSystemError(err, join(this.store.root, 'blobs', 'sha256'));
    }
    return names.filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => digestFromHex(n));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    // no file is held open between calls; only the lease
    await this.lease?.release();
  }
}

/** A read of the store waited for, or went on without, a prune holding the store's lock. */
export const STORE_BUSY_WARNING = 'W_STORE_BUSY';

function parseNameOrUndefined(s: string): ImageName | undefined {
  try {
    return parseImageName(s, { defaultTag: 'latest' });
  } catch {
    return undefined;
  }
}
