/**
 * One image of a source, resolved and verified, with its layers opened as verified tar streams:
 * what `export` and `squash` flatten. Uses the copy pipeline's listing and graph walk, so a query
 * means the same thing here as in `save`/`load` (name, image ID, manifest digest).
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { BalerError } from '../errors.js';
import { VerifyingStream } from '../io/hashing.js';
import { decompressAuto } from '../codecs/index.js';
import type { Descriptor } from '../model/descriptor.js';
import type { ImageName } from '../model/image-name.js';
import { shortId } from '../model/digest.js';
import type { Platform } from '../model/platform.js';
import type { LayerTars } from '../tar/flatten/emit.js';
import type { TarHeader } from '../tar/header.js';
import { scanTocFromReader } from '../tar/toc.js';
import type { ImageSource, SinkCaps } from '../transports/types.js';
import { openCheckedBlobFile } from './checked-blob-file.js';
import { imagesOf, listImages, loadNode, type ImageNode, type ManifestCache } from './image-graph.js';
import { imageLabel, selectImages } from './plan.js';

export interface SourceImage {
  node: ImageNode;
  names: ImageName[];
  /** `app:1` or a short ID, for messages. */
  label: string;
}

/** Flattening needs one platform: indexes are always reduced to a single manifest. */
const ONE_PLATFORM: SinkCaps = { manifestTypes: [], layerCompressions: ['none'], needsSizeFirst: false, parallelPuts: false, multiImage: false, keepsIndexes: false };

/**
 * The image `query` names in `source` (any name, ID or digest `save` accepts), or its only image
 * when `query` is undefined. Manifest and config are verified against their digests.
 */
export async function resolveSourceImage(
  source: ImageSource,
  query: string | undefined,
  o: { platform?: Platform; signal?: AbortSignal; warn?: (code: string, message: string) => void } = {},
): Promise<SourceImage> {
  const sourceLabel = source.ref.toString();
  const cache: ManifestCache = new Map();
  const listed = await listImages(source, sourceLabel, cache);
  if (listed.length === 0) throw new BalerError('E_NOT_FOUND', `${sourceLabel}: holds no images`);
  const selected = selectImages(listed, query === undefined ? { kind: 'all' } : { kind: 'refs', refs: [query] }, sourceLabel);
  if (selected.length !== 1 || !selected[0]) {
    const what = query === undefined ? `${sourceLabel} holds ${selected.length} images` : `${JSON.stringify(query)} matches ${selected.length} images in ${sourceLabel}`;
    // a registry reference names an image by its tag (registry://HOST/REPO:TAG), other places by NAME:TAG inside them
    const example = source.ref.transport.name === 'registry' ? `${sourceLabel}:TAG` : `${sourceLabel}:NAME:TAG`;
    throw new BalerError('E_USAGE', `${what}; name exactly one (e.g. ${example})`);
  }
  const sel = selected[0];
  const names = sel.names.length ? sel.names : sel.image.names;
  const label = imageLabel(names, sel.image.id);
  const node = await loadNode(sel.image, {
    source,
    caps: ONE_PLATFORM,
    ...(o.platform ? { platform: o.platform } : {}),
    label,
    ...(o.signal ? { signal: o.signal } : {}),
    cache,
    warn: o.warn ?? (() => undefined),
  });
  const image = imagesOf(node)[0];
  if (!image) throw new BalerError('E_NOT_FOUND', `${label}: the index holds no image`);
  return { node: image, names, label };
}

/**
 * The layers of an image as decompressed tar streams. Each stream fails at its end with
 * E_DIGEST_MISMATCH when the stored bytes do not match the manifest digest or the decompressed bytes
 * do not match the config's diff_id (sources are untrusted: architecture.md rule 3).
 */
export function layerTarsOf(source: ImageSource, image: SourceImage): LayerTars {
  const layers = image.node.manifest.layers;
  const diffIds = image.node.config.parsed.rootfs.diff_ids;
  const what = (i: number): string => {
    const d = layers[i];
    return `layer ${i + 1}/${layers.length} (${d ? shortId(d.digest) : '?'}) of ${image.label}`;
  };
  // layers whose headers pass 1 read by offset: their bytes are checked when pass 2 reads them whole
  const headersOnly = new Set<number>();
  return {
    count: layers.length,
    what,
    async scanHeaders(i: number, onHeader: (h: TarHeader) => void, signal?: AbortSignal): Promise<boolean> {
      const d = layers[i];
      // only a plain tar (digest = diff_id) in a local file can be walked header to header
      if (!d || d.digest !== diffIds[i] || !source.openBlobFile) return false;
      const file = await source.openBlobFile(d);
      if (!file) return false;
      try {
        if (signal?.aborted) throw new BalerError('E_CANCELLED', `${what(i)}: cancelled`);
        await scanTocFromReader(file, file.size, what(i), onHeader);
      } finally {
        await file.close();
      }
      headersOnly.add(i);
      return true;
    },
    readWhole: (i: number) => headersOnly.has(i),
    async open(i: number, signal?: AbortSignal, o: { again?: boolean } = {}): Promise<Readable> {
      const d = layers[i];
      const diffId = diffIds[i];
      if (!d || !diffId) throw new BalerError('E_INTERNAL', `Internal error: no layer ${i} in ${image.label}`);
      // a stored layer file is hashed on a worker thread reading the same fd while this one flattens it
      const stored = (await openCheckedBlobFile(source, d, what(i))) ?? (await verifiedFetch(source, d, what(i), signal));
      const { stream } = await decompressAuto(stored, what(i));
      // One SHA-256 pass is enough when it proves both: an uncompressed layer's digest is its diff_id,
      // and on a second read the stored digest fixes the decompressed bytes an earlier read verified
      // (or, after a header-only first pass, pass 2 reads the layer whole: readWhole).
      if (d.digest === diffId || o.again) return stream;
      const tar = new VerifyingStream(diffId, undefined, `${what(i)}: uncompressed (diff_id)`);
      pipeline(stream, tar, () => undefined);
      return tar;
    },
  };
}

/** The blob as the source serves it, hashed on this thread as it is read. */
async function verifiedFetch(source: ImageSource, d: Descriptor, what: string, signal?: AbortSignal): Promise<Readable> {
  const raw = await source.fetchBlob(d, signal);
  const stored = new VerifyingStream(d.digest, d.size, what);
  pipeline(raw, stored, () => undefined); // errors surface on `stored` and flow on below
  return stored;
}
