import { pipeline, Readable } from 'node:stream';
import { decompressor, type Compression } from '../codecs/index.js';
import { BalerError } from '../errors.js';
import { DELTA_FILE, parseDeltaManifest } from '../model/delta-manifest.js';
import type { Descriptor } from '../model/descriptor.js';
import { digestFromHex, type Digest } from '../model/digest.js';
import { fullName, parseImageName, type ImageName } from '../model/image-name.js';
import { JsonLimits } from '../model/json-limits.js';
import { Annotations } from '../model/layout-names.js';
import type { TocEntry } from '../tar/toc.js';
import type { ArchiveFile } from './archive-file.js';
import { ArchiveLayout } from './archive-layout.js';
import type { ImageRef, ImageSource, SourceEntry } from './types.js';

/**
 * What docker-archive and oci-archive sources share: serving manifests and blobs by digest from
 * (1) documents the source made itself (synthesised manifests), (2) members it mapped to a digest
 * (legacy layer paths, configs), (3) the OCI layout's `blobs/sha256/`. Bytes are returned raw.
 */
export abstract class ArchiveSource implements ImageSource {
  protected readonly generated = new Map<Digest, Buffer>();
  protected readonly members = new Map<Digest, TocEntry>();
  /** Members served decompressed: layers in codecs OCI has no media type for (xz, bzip2). */
  protected readonly decoded = new Map<Digest, { entry: TocEntry; compression: Compression }>();
  protected readonly layout: ArchiveLayout | undefined;
  /** A delta archive's left-out layer blobs (baler-delta.json): not in the archive, on purpose. */
  protected readonly expectedExternal = new Set<Digest>();
  private listing: Promise<SourceEntry[]> | undefined;

  constructor(
    readonly ref: ImageRef,
    protected readonly archive: ArchiveFile,
  ) {
    this.layout = ArchiveLayout.isLayout(archive) ? new ArchiveLayout(archive) : undefined;
  }

  /** Every image in the archive, before ref.image narrows it down. */
  protected abstract listAll(): Promise<SourceEntry[]>;

  list(): Promise<SourceEntry[]> {
    this.listing ??= this.readDeltaExpectations()
      .then(() => this.listAll())
      .then((all) => selectRefImage(all, this.ref.image, this.archive.what));
    return this.listing;
  }

  private async readDeltaExpectations(): Promise<void> {
    const bytes = await this.readTopLevelFile(DELTA_FILE);
    if (!bytes) return;
    for (const e of parseDeltaManifest(bytes, `${this.archive.what}: ${DELTA_FILE}`).expected) this.expectedExternal.add(e.digest);
  }

  async readTopLevelFile(name: string): Promise<Uint8Array | undefined> {
    const entry = this.archive.find(name, name);
    return entry ? this.archive.readSmall(entry, JsonLimits.manifest, name) : undefined;
  }

  async storedBlobs(): Promise<Digest[]> {
    const out: Digest[] = [];
    for (const e of this.archive.toc.entries) {
      const m = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(e.path);
      if (m?.[1] && e.type !== 'dir') out.push(digestFromHex(m[1]));
    }
    return out;
  }

  async holdsBlob(d: Digest): Promise<boolean> {
    await this.list();
    return this.generated.has(d) || this.members.has(d) || this.decoded.has(d) || this.layout?.findBlob(d) !== undefined;
  }

  async fetchManifest(d: Descriptor): Promise<Uint8Array> {
    await this.list();
    const made = this.generated.get(d.digest);
    if (made) return made;
    const member = this.members.get(d.digest);
    if (member) return this.archive.readSmall(member, JsonLimits.manifest, `manifest ${d.digest}`);
    if (this.layout) return this.layout.readManifest(d);
    throw this.missing(d.digest);
  }

  async fetchBlob(d: Descriptor, signal?: AbortSignal): Promise<Readable> {
    await this.list();
    const made = this.generated.get(d.digest);
    const stream = made
      ? Readable.from([made])
      : (() => {
          const member = this.members.get(d.digest);
          if (member) return this.archive.open(member);
          const dec = this.decoded.get(d.digest);
          if (dec) return this.openDecoded(dec.entry, dec.compression);
          if (this.expectedExternal.has(d.digest) && !this.layout?.findBlob(d.digest)) throw this.missing(d.digest);
          if (this.layout) return this.layout.openBlob(d.digest);
          throw this.missing(d.digest);
        })();
    if (signal) {
      const onAbort = (): void => {
        // the abort may come before the caller has piped the stream anywhere (it may still be awaiting
        // something else: a sibling layer failed meanwhile): the error must not be an unhandled event,
        // which kills the process with a stack trace; whoever pipes it later still gets the error
        stream.on('error', () => undefined);
        stream.destroy(new BalerError('E_CANCELLED', `${this.archive.what}: cancelled`));
      };
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        stream.once('close', () => signal.removeEventListener('abort', onAbort));
      }
    }
    return stream;
  }

  /** A member's bytes through a decompressor; errors of either end reach the returned stream. */
  protected openDecoded(entry: TocEntry, c: Compression): Readable {
    const dec = decompressor(c, `${this.archive.what}: ${entry.path}`);
    pipeline(this.archive.open(entry), dec, () => undefined);
    return dec;
  }

  async confirmIntact(signal?: AbortSignal): Promise<void> {
    await this.archive.confirmIntact?.(signal);
  }

  async explainFailure(err: unknown, signal?: AbortSignal): Promise<unknown> {
    return this.archive.explainFailure ? this.archive.explainFailure(err, signal) : err;
  }

  private missing(d: Digest): BalerError {
    if (this.expectedExternal.has(d)) {
      return new BalerError('E_NOT_FOUND', `${this.archive.what}: blob ${d} is left out of this delta archive (see ${DELTA_FILE}); load the delta where its base images are`);
    }
    return new BalerError('E_NOT_FOUND', `${this.archive.what}: blob ${d} is not in the archive`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.archive.close();
  }
}

/** Adds names to a list, keeping each normalised name once. */
export function addNames(into: ImageName[], more: readonly ImageName[]): void {
  const seen = new Set(into.map(fullName));
  for (const n of more) {
    if (!seen.has(fullName(n))) {
      seen.add(fullName(n));
      into.push(n);
    }
  }
}

/** Entries with the same top-level digest (one per tag in index.json) become one entry with all names. */
export function mergeByDigest(entries: readonly SourceEntry[]): SourceEntry[] {
  const out = new Map<Digest, SourceEntry>();
  for (const e of entries) {
    const have = out.get(e.descriptor.digest);
    if (have) addNames(have.names, e.names);
    else out.set(e.descriptor.digest, { ...e, names: [...e.names] });
  }
  return [...out.values()];
}

/**
 * `docker-archive:x.tar:IMAGE`: IMAGE is a name (`app:1`, `docker.io/library/app:1`), `@N` (the N-th
 * image, as containers/image has it) or a manifest digest (full or at least 12 hex digits).
 */
export function selectRefImage(all: SourceEntry[], image: string | undefined, what: string): SourceEntry[] {
  if (image === undefined) return all;
  const index = /^@(\d+)$/.exec(image);
  if (index) {
    const e = all[Number(index[1])];
    if (!e) throw new BalerError('E_NOT_FOUND', `${what}: no image ${image} (the archive holds ${all.length})`);
    return [e];
  }
  const hex = image.replace(/^sha256:/, '');
  if (/^[0-9a-f]{12,64}$/.test(hex)) {
    const byDigest = all.filter((e) => e.descriptor.digest.slice('sha256:'.length).startsWith(hex));
    if (byDigest.length > 0) return byDigest;
  }
  let wanted: string | undefined;
  try {
    wanted = fullName(parseImageName(image, { defaultTag: 'latest' }));
  } catch {
    wanted = undefined; // may still be a literal ref.name
  }
  // an OCI ref.name that is no reference (a bare tag like `latest`) is matched literally, as skopeo does
  const found = all.filter((e) => e.names.some((n) => fullName(n) === wanted) || e.descriptor.annotations?.[Annotations.refName] === image);
  if (found.length === 0) throw new BalerError('E_NOT_FOUND', `${what}: no image named ${image}`);
  return found.map((e) => ({ ...e, names: e.names.filter((n) => fullName(n) === wanted) }));
}
