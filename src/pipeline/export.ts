/**
 * `baler export`: one image of any source → its flattened root file system as one tar (formats.md
 * §4.3), optionally compressed. Steps: resolve and verify the image → pass 1 builds the metadata tree
 * → plan → pass 2 streams the layers again into tar → codec → file (atomic) or stdout.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import micromatch from 'micromatch';
import { compressor } from '../codecs/index.js';
import { fromSystemError, type BalerError } from '../errors.js';
import { createAtomicFile } from '../io/atomic-file.js';
import { startHashWorkersEarly } from '../io/file-sha256-thread.js';
import { isSpecialFile } from '../io/special-file.js';
import { CountingStream } from '../io/hashing.js';
import type { Digest } from '../model/digest.js';
import type { LayerCompression } from '../model/media-types.js';
import type { Platform } from '../model/platform.js';
import { emitFlattened, scanLayers } from '../tar/flatten/emit.js';
import { planFlatten, type FlattenPlan, type PathFilter } from '../tar/flatten/plan.js';
import { TarWriter } from '../tar/write.js';
import type { ImageSource } from '../transports/types.js';
import type { CopyEventHandler } from './events.js';
import { ExportProgress } from './export-progress.js';
import { cancelled } from './fetch-verified.js';
import { layerTarsOf, resolveSourceImage, type SourceImage } from './source-image.js';
import { flushed } from '../io/stdout-stream.js';

export type ExportTarget = { kind: 'file'; path: string; overwrite?: boolean } | { kind: 'stream'; stream: Writable; what: string };

export interface ExportRequest {
  source: ImageSource;
  /** Name, ID or digest in the source; undefined = its only image. */
  image?: string;
  platform?: Platform;
  to: ExportTarget;
  compression: LayerCompression;
  level?: number;
  filter?: PathFilter;
  signal?: AbortSignal;
  warn?: (code: string, message: string) => void;
  /** Per-layer rows as copy events (plan; blob hashing → copying → verified; image-done). */
  onEvent?: CopyEventHandler;
}

export interface ExportReport {
  image: string;
  id: Digest;
  layers: number;
  entries: number;
  /** Regular-file bytes in the output. */
  fileBytes: number;
  /** Bytes written after compression. */
  bytesWritten: number;
  reclaimedBytes: number;
  compression: LayerCompression;
  location: string;
}

/** --include/--exclude: a path is kept when it or a parent matches an include (if any) and none matches an exclude. */
export function globFilter(include: readonly string[], exclude: readonly string[]): PathFilter | undefined {
  if (include.length === 0 && exclude.length === 0) return undefined;
  const opts = { dot: true };
  const chain = (p: string): string[] => p.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  return (path: string) => {
    const all = chain(path);
    if (exclude.length && all.some((p) => micromatch.isMatch(p, exclude as string[], opts))) return false;
    return include.length === 0 || all.some((p) => micromatch.isMatch(p, include as string[], opts));
  };
}

/** Both passes for one resolved image, writing an uncompressed tar into `out` (which it ends). */
export async function flattenImageTo(
  source: ImageSource,
  image: SourceImage,
  out: Writable,
  o: { filter?: PathFilter; signal?: AbortSignal; onEvent?: CopyEventHandler } = {},
): Promise<{ plan: FlattenPlan; entries: number; bytes: number }> {
  const progress = o.onEvent ? new ExportProgress(image, o.onEvent) : undefined;
  progress?.start();
  const layers = layerTarsOf(progress ? progress.counting(source) : source, image);
  const tree = await scanLayers(layers, o.signal);
  const plan = planFlatten(tree, o.filter);
  const rereads = [...plan.fromLayers].filter(([, wanted]) => wanted.size > 0).map(([i]) => i);
  for (let i = 0; i < layers.count; i++) if (layers.readWhole?.(i)) rereads.push(i);
  progress?.beginCopy(new Set(rereads));
  const writer = new TarWriter(out);
  const r = await emitFlattened(layers, plan, writer, o.signal, progress ? (i) => progress.layerCopied(i) : undefined);
  await writer.finish();
  if (!out.writableEnded) out.end();
  progress?.end();
  return { plan, entries: r.entries, bytes: r.bytes };
}

/** Copies a readable into a stream the caller keeps open (stdout must not be ended). */
async function copyInto(from: NodeJS.ReadableStream & AsyncIterable<unknown>, to: Writable, what: string): Promise<void> {
  try {
    for await (const chunk of from) {
      if (!to.write(chunk as Buffer)) await once(to, 'drain');
    }
  } catch (err) {
    throw fromSystemError(err, what);
  }
}

/** Where an export tar goes and how it is compressed (shared by image and container exports). */
export interface TarOutput {
  to: ExportTarget;
  compression: LayerCompression;
  level?: number;
  signal?: AbortSignal;
  /** Told the bytes written so far (after compression), chunk by chunk. */
  onWritten?: (bytes: number) => void;
}

/**
 * Runs `produce`, which writes an uncompressed tar into the stream it is given and ends it, through the
 * codec into an atomic file (published only when everything succeeded) or a stream the caller keeps open.
 */
export async function writeTarOutput<T>(o: TarOutput, produce: (tar: Writable) => Promise<T>): Promise<{ result: T; bytesWritten: number; location: string }> {
  // -o /dev/null (or a FIFO) is written in place: renaming a temp file over it would replace the device
  if (o.to.kind === 'file' && (await isSpecialFile(o.to.path))) {
    const path = o.to.path;
    const device = createWriteStream(path, { flags: 'w' });
    try {
      return await writeTarOutput({ ...o, to: { kind: 'stream', stream: device, what: path } }, produce);
    } finally {
      await new Promise<void>((resolve) => device.end(() => resolve()));
      device.destroy();
    }
  }
  // small zstd jobs: ~40 MB less peak memory for an export, same CPU (codecs/zstd.ts)
  const comp = compressor(o.compression, o.level, { smallJobs: true });
  const counter = new CountingStream(o.onWritten); // bytes written, for the report (and progress)
  const run = async (): Promise<T> => {
    try {
      return await produce(comp);
    } catch (err) {
      comp.destroy(err as Error);
      throw err;
    }
  };
  let result: T;
  let location: string;
  if (o.to.kind === 'file') {
    const path = o.to.path;
    const file = await createAtomicFile(path, { overwrite: o.to.overwrite ?? false });
    try {
      const written = pipeline(comp, counter, file.stream);
      written.catch(() => undefined);
      result = await run();
      await written.catch((err: unknown) => {
        throw fromSystemError(err, path);
      });
      // a producer that stopped early on the signal without failing wrote a short tar: it must not be published
      if (o.signal?.aborted) throw cancelled(o.signal);
      await file.commit();
    } finally {
      await file.discard();
    }
    location = path;
  } else {
    const to = o.to;
    // a destination that fails between writes (disk full behind a redirected stdout) stops the export with
    // its own error, one line naming it, instead of an unhandled 'error' event
    let outFailure: BalerError | undefined;
    const onOutError = (err: Error): void => {
      outFailure ??= fromSystemError(err, to.what);
      counter.destroy(outFailure);
    };
    to.stream.on('error', onOutError);
    try {
      const compressed = pipeline(comp, counter);
      compressed.catch(() => undefined);
      const copied = copyInto(counter, to.stream, to.what);
      copied.catch(() => undefined);
      result = await run();
      await compressed;
      await copied;
      await flushed(to.stream); // an fs stream on fd 1 may still hold bytes; the CLI exits right after
    } catch (err) {
      throw outFailure ?? err;
    } finally {
      to.stream.off('error', onOutError);
    }
    // the signal's own error: an interrupt says what was left, a reader gone from stdout is not an interrupt.
    // (A file is judged before its commit: once it is published, the export has happened.)
    if (o.signal?.aborted) throw cancelled(o.signal);
    location = to.what;
  }
  return { result, bytesWritten: counter.bytes, location };
}

export async function exportImage(req: ExportRequest): Promise<ExportReport> {
  // stored layers are hashed on a worker while pass 2 reads them (source-image.ts): start it during pass 1
  if (req.source.openBlobFile) startHashWorkersEarly(1);
  const image = await resolveSourceImage(req.source, req.image, {
    ...(req.platform ? { platform: req.platform } : {}),
    ...(req.signal ? { signal: req.signal } : {}),
    ...(req.warn ? { warn: req.warn } : {}),
  });
  const { result, bytesWritten, location } = await writeTarOutput(req, (tar) =>
    flattenImageTo(req.source, image, tar, { ...(req.filter ? { filter: req.filter } : {}), ...(req.signal ? { signal: req.signal } : {}), ...(req.onEvent ? { onEvent: req.onEvent } : {}) }),
  );
  return {
    image: image.label,
    id: image.node.config.descriptor.digest,
    layers: image.node.manifest.layers.length,
    entries: result.entries,
    fileBytes: result.bytes,
    bytesWritten,
    reclaimedBytes: result.plan.reclaimedBytes,
    compression: req.compression,
    location,
  };
}
