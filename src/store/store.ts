import type { Readable } from 'node:stream';
import { BalerError } from '../errors.js';
import type { Digest } from '../model/digest.js';
import type { ImageName } from '../model/image-name.js';
import { familiarName } from '../model/image-name.js';
import { JsonLimits } from '../model/json-limits.js';
import { hasBlob, openBlob, readBlobBytes } from './blobs.js';
import { fsckLayout, type FsckReport } from './fsck.js';
import { pruneLayout, type PruneResult } from './gc.js';
import { describeImages, type StoreImage } from './images.js';
import { addImageToIndex, removeImageFromIndex, removeNameFromIndex, type NameMove } from './index-edit.js';
import { indexEntries, readIndexDocument, writeIndexLocked } from './index-file.js';
import { checkLayout, ensureLayout, layoutRemains, layoutToMake } from './layout.js';
import { withLayoutLock } from './lock.js';
import { resolveImage, type Resolved } from './resolve.js';
import { LayoutWriter } from './writer.js';

/** What `rm` did to one argument, in docker's words ("Untagged: …", "Deleted: …"). */
export interface RemoveOutcome {
  query: string;
  untagged: ImageName[];
  /** Image ID of the image removed from the index (its blobs stay until prune). */
  deleted?: Digest;
}

/**
 * An OCI image layout opened for baler's verbs: the embedded store, or any `oci:` directory.
 * Reads need no lock; tag/rm/commit/prune take the layout lock and re-read index.json under it.
 */
export class Store {
  constructor(readonly root: string) {}

  async images(): Promise<StoreImage[]> {
    return describeImages(this.root, indexEntries(await readIndexDocument(this.root)));
  }

  async resolve(query: string): Promise<Resolved<StoreImage>> {
    return resolveImage(await this.images(), query);
  }

  hasBlob(d: Digest): Promise<boolean> {
    return hasBlob(this.root, d);
  }

  openBlob(d: Digest): Promise<Readable> {
    return openBlob(this.root, d);
  }

  readManifest(d: Digest): Promise<Buffer> {
    return readBlobBytes(this.root, d, JsonLimits.manifest);
  }

  readConfig(d: Digest): Promise<Buffer> {
    return readBlobBytes(this.root, d, JsonLimits.config);
  }

  /** `baler tag SRC DST`: DST now names SRC's image; returns the move when DST named another image. */
  async tag(source: string, target: ImageName): Promise<{ image: StoreImage; moved?: NameMove }> {
    if (target.digest) throw new BalerError('E_USAGE', `tag: ${familiarName(target)}: a target name cannot carry a digest`);
    return withLayoutLock(this.root, async (lock) => {
      const doc = await readIndexDocument(this.root);
      const { image } = resolveImage(await describeImages(this.root, indexEntries(doc)), source);
      const moved = addImageToIndex(doc, image.descriptor, target);
      await writeIndexLocked(this.root, doc, lock);
      return moved ? { image, moved } : { image };
    });
  }

  /**
   * `baler rm`: a name removes that name (and the image when it was the last one); an ID or digest
   * removes the image, which needs `force` when several names point at it (docker's rule).
   */
  async remove(queries: readonly string[], opts: { force: boolean }): Promise<RemoveOutcome[]> {
    return withLayoutLock(this.root, async (lock) => {
      const doc = await readIndexDocument(this.root);
      const outcomes: RemoveOutcome[] = [];
      for (const query of queries) {
        const images = await describeImages(this.root, indexEntries(doc));
        const hit = resolveImage(images, query);
        const outcome: RemoveOutcome = { query, untagged: [] };
        if (hit.by === 'name' && hit.name) {
          const r = removeNameFromIndex(doc, hit.name);
          outcome.untagged.push(hit.name);
          if (r?.imageGone) outcome.deleted = hit.image.id;
        } else {
          if (hit.image.names.length > 1 && !opts.force) {
            throw new BalerError(
              'E_CONFLICT',
              `unable to delete ${query} (must be forced): image is referenced by ${hit.image.names.length} names (${hit.image.names.map(familiarName).join(', ')}); use -f or remove the names`,
            );
          }
          outcome.untagged.push(...hit.image.names);
          removeImageFromIndex(doc, hit.image.digest);
          outcome.deleted = hit.image.id;
        }
        outcomes.push(outcome);
      }
      await writeIndexLocked(this.root, doc, lock);
      return outcomes;
    });
  }

  prune(opts: { dryRun: boolean }): Promise<PruneResult> {
    return pruneLayout(this.root, opts);
  }

  fsck(signal?: AbortSignal): Promise<FsckReport> {
    return fsckLayout(this.root, signal);
  }

  /** A writer for new images; see store/writer.ts for the ordering that makes it crash-safe. */
  writer(location: string = this.root): LayoutWriter {
    return new LayoutWriter(this.root, location);
  }
}

/**
 * A layout at `path`, made empty when missing. The CLI's verbs never make a store this way (a load makes
 * it through its sink, on its first write; reads make none): for tests that need a store to exist.
 */
export async function openStore(path: string): Promise<Store> {
  await ensureLayout(path);
  return new Store(path);
}

/**
 * The embedded store at `path` for a verb that reads it or changes what it holds (ls, inspect, rm,
 * fsck, a copy from it), undefined when there is none: no directory, an empty one, or one holding
 * only what a layout's making or removal leaves (no oci-layout yet or any more, no blob, no image listed),
 * which a writer would make a layout (ensureLayout). A read makes nothing.
 */
export async function openStoreIfPresent(path: string): Promise<Store | undefined> {
  if ((await layoutToMake(path)) || (await isRemainsOfLayout(path))) return undefined;
  await checkLayout(path);
  return new Store(path);
}

async function isRemainsOfLayout(path: string): Promise<boolean> {
  const remains = await layoutRemains(path);
  if (!remains) return false;
  if (!remains.index) return true;
  // an unreadable index.json, or one listing images, without oci-layout: damage, for checkLayout to report
  return readIndexDocument(path).then(
    (doc) => doc.manifests.length === 0,
    () => false,
  );
}

/** openStoreIfPresent, with E_NOT_FOUND `no image store at PATH` when there is none. */
export async function openPresentStore(path: string): Promise<Store> {
  const store = await openStoreIfPresent(path);
  if (!store) throw new BalerError('E_NOT_FOUND', `no image store at ${path}`);
  return store;
}

/** An existing layout (`oci:DIR` as a source): E_NOT_FOUND / E_FORMAT when DIR is not one. */
export async function openExistingLayout(path: string): Promise<Store> {
  await checkLayout(path);
  return new Store(path);
}
