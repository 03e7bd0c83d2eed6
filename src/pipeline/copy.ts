import { BalerError } from '../errors.js';
import { digestMismatch } from '../io/hashing.js';
import { makeTempDir, type TempDir } from '../io/temp.js';
import type { Descriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import type { ImageName } from '../model/image-name.js';
import type { LayerCompression } from '../model/media-types.js';
import type { Platform } from '../model/platform.js';
import { configPlatform } from '../model/image-config.js';
import { formatPlatform } from '../model/platform.js';
import type { ImageSink, ImageSource, NameMove } from '../transports/types.js';
import { attestationLabel, attestationsToKeep, copyAttestation } from './attestations.js';
import { copyConfig, copyLayer, diffIdMismatchWhat, type CopiedLayer, type DiffIdCheck } from './blob-copy.js';
import type { CopyEvent, CopyEventHandler, PlannedImage } from './events.js';
import type { DeltaRecorder } from './delta-recorder.js';
import { cancelled } from './fetch-verified.js';
import { imagesOf, listImages, loadNode, type CopyNode, type ImageNode, type ManifestCache } from './image-graph.js';
import { concurrencyLimit } from './limit.js';
import { PrehashedBlobFiles } from './prehashed-blob-files.js';
import {
  applyRename,
  checkLayerRequest,
  decideIndexType,
  decideManifestType,
  imageLabel,
  plannedBytes,
  selectImages,
  type ImageSelector,
  type PlannedBlob,
  type SelectedImage,
} from './plan.js';
import { rewriteIndex, rewriteManifest, type ManifestBytes } from './rewrite.js';

export type { ImageSelector } from './plan.js';

export interface CopyRequest {
  from: ImageSource;
  to: ImageSink;
  select: ImageSelector;
  platform?: Platform;
  /** --layers: 'keep' (default) keeps what the sink accepts; a compression converts every layer. */
  layers?: LayerCompression | 'keep';
  level?: number;
  /** load --tag: the one selected image gets this name instead of its own. */
  rename?: ImageName;
  signal?: AbortSignal;
  onEvent?: CopyEventHandler;
  /** save --have/--since: layers the destination holds are left out and recorded (pipeline/delta-recorder.ts). */
  delta?: DeltaRecorder;
  /**
   * Called once every selected manifest and config is verified, before anything is written, with the
   * layers each image needs: a last check that may throw (load of a delta checks its base here).
   */
  preflight?: (images: ReadonlyArray<{ image: string; layers: readonly Descriptor[] }>) => Promise<void>;
  /** When a layer kept compressed has its diff_id checked (blob-copy.ts DiffIdCheck); 'always' by default. */
  diffIds?: DiffIdCheck;
}

export interface CopiedImage {
  names: ImageName[];
  /** Config digest (image ID); the index digest for a kept multi-platform index. */
  id: Digest;
  /** Top-level manifest or index digest as written to the sink. */
  digest: Digest;
}

export interface CopyReport {
  images: CopiedImage[];
  moved: NameMove[];
  blobsCopied: number;
  blobsSkipped: number;
  bytesRead: number;
  bytesWritten: number;
  durationMs: number;
  location: string;
  warnings: string[];
}

/** Layers copied at once when the sink allows concurrent putBlob. */
const PARALLEL_BLOBS = 3;

interface Totals {
  blobsCopied: number;
  blobsSkipped: number;
  bytesRead: number;
  bytesWritten: number;
}

/**
 * The one copy pipeline every verb and the TUI use: resolve → plan → copy blobs (verified, converted
 * as the sink's caps say) → manifests → names → commit. A failure or an abort throws before commit;
 * the caller disposes the sink, which then leaves nothing behind. Does not dispose what it did not open.
 */
export async function copyImages(req: CopyRequest): Promise<CopyReport> {
  try {
    return await copyAndCommit(req);
  } catch (err) {
    // a source checked as a whole (a split set) names the damaged part behind a failure, if one is
    throw req.from.explainFailure ? await req.from.explainFailure(err, req.signal) : err;
  }
}

async function copyAndCommit(req: CopyRequest): Promise<CopyReport> {
  const started = Date.now();
  const emit = (e: CopyEvent): void => req.onEvent?.(e);
  const warnings: string[] = [];
  const warn = (code: string, message: string): void => {
    warnings.push(message);
    emit({ kind: 'warning', code, message });
  };
  // messages name the place the bytes came from; `-` as a source is stdin
  const sourceLabel = req.from.ref.location === '-' ? 'stdin' : req.from.ref.toString();
  const sinkLabel = req.to.ref.toString();
  const caps = req.to.caps;
  checkLayerRequest(caps, req.layers, sinkLabel);
  req.delta?.checkSink(req.to);
  const check = (): void => {
    if (req.signal?.aborted) throw cancelled(req.signal);
  };

  // === resolve the selection against what the source lists
  const cache: ManifestCache = new Map();
  const listed = await listImages(req.from, sourceLabel, cache);
  check();
  if (listed.length === 0 && req.select.kind === 'all') throw new BalerError('E_NOT_FOUND', `${sourceLabel}: holds no images`);
  const selected = applyRename(selectImages(listed, req.select, sourceLabel), req.rename);
  if (selected.length > 1 && !caps.multiImage) {
    throw new BalerError('E_USAGE', `${sinkLabel} can hold only one image, but ${selected.length} were selected`);
  }

  // === walk indexes, fetch and verify every manifest and config
  const nodes: Array<{ sel: SelectedImage; node: CopyNode; label: string }> = [];
  for (const sel of selected) {
    const label = imageLabel(sel.names.length ? sel.names : sel.image.names, sel.image.id);
    const where = `${sourceLabel}: ${label}`;
    const node = await loadNode(sel.image, { source: req.from, caps, ...(req.platform ? { platform: req.platform } : {}), label: where, ...(req.signal ? { signal: req.signal } : {}), cache, warn });
    nodes.push({ sel, node, label: where });
    check();
  }
  // a sink that wants one exact manifest (registry://…@sha256:…) is refused before any blob is pushed
  const wanted = req.to.manifestDigest;
  if (wanted !== undefined && (req.layers ?? 'keep') === 'keep') {
    for (const { node } of nodes) {
      if (node.descriptor.digest !== wanted) throw new BalerError('E_USAGE', `${sinkLabel}: the image's manifest digest is ${node.descriptor.digest}, not the one in the reference`);
    }
  }
  emitPlan(nodes, emit);
  await req.preflight?.(nodes.map(({ sel, node }) => ({ image: imageLabel(sel.names.length ? sel.names : sel.image.names, sel.image.id), layers: imagesOf(node).flatMap((i) => i.manifest.layers) })));

  // === copy blobs, manifests and names, image by image
  const totals: Totals = { blobsCopied: 0, blobsSkipped: 0, bytesRead: 0, bytesWritten: 0 };
  const layerCopies = new Map<Digest, Promise<CopiedLayer>>();
  const limit = concurrencyLimit(caps.parallelPuts ? PARALLEL_BLOBS : 1);
  let temp: Promise<TempDir> | undefined;
  const spoolDir = async (): Promise<string> => (await (temp ??= makeTempDir('baler-copy-'))).path;
  const images: CopiedImage[] = [];
  const stopAll = new AbortController();
  // a sink taking one blob at a time gets the stored layers hashed ahead, in the order it takes them
  const prehashed = PrehashedBlobFiles.start(req.from, caps, nodes.flatMap(({ node }) => imagesOf(node).flatMap((i) => i.manifest.layers)));
  const copyInto = ({ sel, node, label }: (typeof nodes)[number], sink: ImageSink): Promise<ManifestBytes> =>
    copyNode(node, { req, sink, emit, warn, totals, layerCopies, limit, spoolDir, label, image: imageLabel(sel.names.length ? sel.names : sel.image.names, sel.image.id), stop: stopAll.signal, ...(prehashed ? { prehashed } : {}) });
  // a sink with a view per image (a registry: the image's repository) gets every image copied at once under
  // the one blob limit, so the next image's layers need not wait for this one's; names still go in order
  const forImage = nodes.length > 1 ? req.to.forImage?.bind(req.to) : undefined;
  const ahead = forImage ? nodes.map((n) => forImage(n.sel.names).then((view) => copyInto(n, view))) : undefined;
  let firstFailure: unknown;
  for (const p of ahead ?? []) {
    p.catch((err: unknown) => {
      if (firstFailure !== undefined) return;
      firstFailure = err;
      stopAll.abort(err);
    });
  }
  try {
    for (const [i, n] of nodes.entries()) {
      const { sel, node } = n;
      let written: ManifestBytes;
      if (ahead) written = await (ahead[i] as Promise<ManifestBytes>);
      else {
        await req.to.startImage?.(sel.names); // a registry sink picks the repository for this image's blobs
        written = await copyInto(n, req.to);
      }
      check();
      // === name the image (after all its blobs and manifests are in)
      if (sel.names.length === 0) await req.to.addImage(written.descriptor);
      for (const name of sel.names) await req.to.addImage(written.descriptor, name);
      const id = node.kind === 'image' ? node.config.descriptor.digest : written.descriptor.digest;
      images.push({ names: sel.names, id, digest: written.descriptor.digest });
      emit({ kind: 'image-done', names: sel.names, id, digest: written.descriptor.digest });
    }
    check();
    await req.from.confirmIntact?.(req.signal); // every byte read is checked before anything is published
    // === commit: the only point where the sink publishes anything
    req.delta?.markSink(req.to);
    const result = await req.to.commit();
    for (const move of result.moved) emit({ kind: 'name-moved', move });
    return { images, moved: result.moved, ...totals, durationMs: Date.now() - started, location: result.location, warnings };
  } catch (err) {
    // an image stopped because another failed reports that first failure
    throw firstFailure ?? err;
  } finally {
    if (ahead) {
      stopAll.abort();
      await Promise.allSettled(ahead);
    }
    await prehashed?.close(); // no worker reads and no file stays open after the copy, however it ended
    if (temp) await (await temp).remove();
  }
}

function emitPlan(nodes: ReadonlyArray<{ sel: SelectedImage; node: CopyNode }>, emit: (e: CopyEvent) => void): void {
  const perImage: PlannedBlob[][] = [];
  const planned: PlannedImage[] = [];
  for (const { sel, node } of nodes) {
    const blobs: PlannedBlob[] = [];
    const ids: Digest[] = [];
    const platforms: string[] = [];
    let layers = 0;
    for (const img of imagesOf(node)) {
      ids.push(img.config.descriptor.digest);
      platforms.push(formatPlatform(configPlatform(img.config.parsed)));
      blobs.push({ digest: img.config.descriptor.digest, size: img.config.descriptor.size, role: 'config' });
      for (const l of img.manifest.layers) blobs.push({ digest: l.digest, size: l.size, role: 'layer' });
      layers += img.manifest.layers.length;
    }
    perImage.push(blobs);
    const bytes = plannedBytes([blobs]).totalBytes;
    planned.push({ names: sel.names, digest: node.descriptor.digest, ids, platforms, layers, bytes });
  }
  emit({ kind: 'plan', images: planned, ...plannedBytes(perImage) });
}

interface NodeCopyContext {
  readonly req: CopyRequest;
  /** req.to, or the view of it for this image (ImageSink.forImage). */
  readonly sink: ImageSink;
  /** Stops this image's copy when another image copied at the same time failed. */
  readonly stop?: AbortSignal;
  readonly emit: (e: CopyEvent) => void;
  /** A warning for the report and the event stream. */
  readonly warn: (code: string, message: string) => void;
  readonly totals: Totals;
  readonly layerCopies: Map<Digest, Promise<CopiedLayer>>;
  readonly limit: <T>(task: () => Promise<T>) => Promise<T>;
  readonly spoolDir: () => Promise<string>;
  readonly label: string;
  /** The image's names (or ID) alone, for a delta's "which image needs it". */
  readonly image: string;
  /** Layers hashed ahead of a sequential sink (prehashed-blob-files.ts). */
  readonly prehashed?: PrehashedBlobFiles;
}

async function copyNode(node: CopyNode, ctx: NodeCopyContext): Promise<ManifestBytes> {
  if (node.kind === 'image') return copyImageNode(node, ctx, ctx.label);
  // index entry (as the index lists it) -> descriptor written for it
  const written = new Map<Descriptor, Descriptor>();
  for (const child of node.children) {
    const platform = child.descriptor.platform ? formatPlatform(child.descriptor.platform) : child.descriptor.digest;
    written.set(child.descriptor, (await copyImageNode(child, ctx, `${ctx.label} (${platform})`)).descriptor);
  }
  // === attestations: byte for byte, with the platform manifests they describe when those kept their digests
  const same = [...written].filter(([from, to]) => to.digest === from.digest);
  const kept = attestationsToKeep(node.attestations, new Set(same.map(([from]) => from.digest)), same.length === written.size);
  for (const a of kept) {
    if (ctx.stop?.aborted) throw cancelled(ctx.stop);
    const c = await copyAttestation(a, { source: ctx.req.from, sink: ctx.sink, what: attestationLabel(ctx.label, a.descriptor), limit: ctx.limit, ...(ctx.req.signal ? { signal: ctx.req.signal } : {}) });
    ctx.totals.blobsCopied += c.blobsCopied;
    ctx.totals.blobsSkipped += c.blobsSkipped;
    ctx.totals.bytesRead += c.bytes;
    ctx.totals.bytesWritten += c.bytes;
    written.set(a.descriptor, a.descriptor);
  }
  const leftOut = node.attestationsLeftOut + node.attestations.length - kept.length;
  if (leftOut > 0) ctx.warn('W_ATTESTATION', `${ctx.label}: left out ${leftOut} attestation manifest(s) of the index`);
  // in the index's order, so an index whose entries all stay keeps its bytes (rewriteIndex)
  const children = node.index.manifests.flatMap((from) => {
    const to = written.get(from);
    return to ? [{ from, to }] : [];
  });
  const out = rewriteIndex(node.index, node.bytes, node.descriptor, children, decideIndexType(node.index.mediaType, ctx.sink.caps));
  await ctx.sink.putManifest(out.bytes, out.descriptor);
  ctx.totals.bytesRead += node.bytes.byteLength;
  ctx.totals.bytesWritten += out.bytes.byteLength;
  return out;
}

async function copyImageNode(node: ImageNode, ctx: NodeCopyContext, label: string): Promise<ManifestBytes> {
  const { req, emit, totals } = ctx;
  const sink = ctx.sink;

  // === config and layers, bounded in parallel; the first failure stops the others before the error is thrown
  const inner = new AbortController();
  const onOuterAbort = (): void => inner.abort(req.signal?.reason);
  req.signal?.addEventListener('abort', onOuterAbort, { once: true });
  ctx.stop?.addEventListener('abort', onOuterAbort, { once: true });
  let firstFailure: unknown;
  const stopOthers = (err: unknown): never => {
    if (firstFailure === undefined) {
      firstFailure = err;
      inner.abort(err instanceof BalerError ? err : new BalerError('E_CANCELLED', 'stopped after another layer failed'));
    }
    throw err;
  };

  // === config: verified when fetched; its bytes are never changed, so the image ID stays. It is the first
  // job under the blob limit (first in a tar), not a wait before it: its fsyncs overlap the layers' downloads
  const cfg = node.config.descriptor;
  const configJob = ctx
    .limit(() => copyConfig(sink, cfg, node.config.bytes, inner.signal))
    .then((cfgResult) => {
      if (cfgResult === 'copied') {
        totals.blobsCopied++;
        totals.bytesRead += cfg.size;
        totals.bytesWritten += cfg.size;
      } else totals.blobsSkipped++;
      emit({ kind: 'blob', digest: cfg.digest, role: 'config', state: cfgResult === 'copied' ? 'verified' : 'skipped-present', done: cfg.size, total: cfg.size });
    })
    .catch(stopOthers);

  const diffIds = node.config.parsed.rootfs.diff_ids;
  const jobs = node.manifest.layers.map((layer, i) => {
    emit({ kind: 'blob', digest: layer.digest, role: 'layer', state: 'queued', done: 0, total: layer.size });
    const omitted = req.delta?.tryOmit(layer, diffIds[i] as Digest, sink, req.layers, ctx.image);
    if (omitted) {
      if (!ctx.layerCopies.has(layer.digest)) totals.blobsSkipped++;
      ctx.prehashed?.drop(layer.digest);
      ctx.layerCopies.set(layer.digest, Promise.resolve(omitted));
      emit({ kind: 'blob', digest: layer.digest, role: 'layer', state: 'skipped-present', done: 0, total: layer.size, leftOut: true });
    }
    let p = ctx.layerCopies.get(layer.digest);
    if (!p) {
      p = ctx.limit(() => {
        if (inner.signal.aborted) return Promise.reject(cancelled(inner.signal));
        return copyLayer({
          source: req.from,
          sink,
          layer,
          diffId: diffIds[i] as Digest,
          what: `${label}: layer ${i}`,
          asked: req.layers,
          ...(req.level !== undefined ? { level: req.level } : {}),
          spoolDir: ctx.spoolDir,
          signal: inner.signal,
          onState: (state, done, total) => emit({ kind: 'blob', digest: layer.digest, role: 'layer', state, done, ...(total !== undefined ? { total } : {}) }),
          ...(ctx.prehashed ? { prehashed: ctx.prehashed } : {}),
          report: { warn: ctx.warn, note: (code, message, continued) => emit({ kind: 'note', code, message, continued }) },
          ...(req.diffIds !== undefined ? { diffIds: req.diffIds } : {}),
        }).then((c) => {
          if (c.skipped) totals.blobsSkipped++;
          else totals.blobsCopied++;
          totals.bytesRead += c.bytesRead;
          totals.bytesWritten += c.bytesWritten;
          return c;
        });
      });
      ctx.layerCopies.set(layer.digest, p);
    }
    // one blob inflates to one content: an image sharing a blob whose content an earlier image proved
    // to hash to another diff_id lies about it (skipping the copy must not skip that)
    const diffId = diffIds[i] as Digest;
    return p
      .then((c) => {
        if (c.provenDiffId !== undefined && c.provenDiffId !== diffId) throw digestMismatch(diffIdMismatchWhat(`${label}: layer ${i}`, diffId), diffId, c.provenDiffId);
        return c;
      })
      .catch(stopOthers);
  });
  // the config's failure, if any, is firstFailure
  const [, ...settled] = await Promise.allSettled([configJob, ...jobs]);
  req.signal?.removeEventListener('abort', onOuterAbort);
  ctx.stop?.removeEventListener('abort', onOuterAbort);
  if (firstFailure !== undefined) throw firstFailure;
  const layers = settled.map((s) => (s as PromiseFulfilledResult<CopiedLayer>).value);

  // === manifest: unchanged bytes when nothing changed, else rewritten with the stored layers
  const targetType = decideManifestType(node.manifest.mediaType, sink.caps, layers.map((l) => l.compression), label);
  const out = rewriteManifest(node.manifest, node.bytes, node.descriptor, layers, targetType);
  await sink.putManifest(out.bytes, out.descriptor);
  totals.bytesRead += node.bytes.byteLength;
  totals.bytesWritten += out.bytes.byteLength;
  return out;
}
