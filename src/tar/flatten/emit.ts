/**
 * The two streaming passes of flattening (formats.md §4.3, architecture.md "Flatten"):
 *   pass 1 `scanLayers`  — stream each layer, read headers only (bodies are skipped), build the FsTree;
 *   pass 2 `emitFlattened` — write the plan's up-front entries, then stream the layers again base→top and
 *                           copy each surviving file's bytes straight from its layer into the output.
 * Memory is the metadata of the tree; file contents are never buffered.
 */
import type { Readable } from 'node:stream';
import { BalerError } from '../../errors.js';
import type { TarHeader } from '../header.js';
import { normalizeEntryPath } from '../paths.js';
import { readTarEntries } from '../read.js';
import type { TarWriter } from '../write.js';
import type { FlattenPlan, LayerEmit } from './plan.js';
import { FsTree, type FsEntry } from './tree.js';

/** Opens the layers of one image, base first, as decompressed tar streams. */
export interface LayerTars {
  readonly count: number;
  /**
   * A fresh decompressed stream of layer `i`; it should fail at its end when the bytes do not verify.
   * `again`: an earlier read of this layer verified it completely (pass 2), so checking the stored
   * digest alone is enough.
   */
  open(i: number, signal?: AbortSignal, o?: { again?: boolean }): Promise<Readable>;
  /** Names layer `i` in errors, e.g. `layer 2 (sha256:ab12…) of app:1`. */
  what(i: number): string;
  /**
   * Pass 1 without reading bodies: hands layer `i`'s headers, in order, to `onHeader` by seeking from one
   * to the next, and resolves true; false when the layer cannot be read by offset (then it is streamed).
   * Its bytes are not verified then, so pass 2 reads such a layer whole (readWhole).
   */
  scanHeaders?(i: number, onHeader: (h: TarHeader) => void, signal?: AbortSignal): Promise<boolean>;
  /** Pass 2 must read layer `i` to its end (its digest was not checked in pass 1). */
  readWhole?(i: number): boolean;
}

/**
 * `..` and absolute names are refused rather than cleaned: a layer that tries either is hostile or
 * broken, and a flattened export must not guess (man baler-export, "PATHS").
 */
export function entryPath(name: string, what: string): string {
  if (name.startsWith('/')) throw new BalerError('E_PATH_ESCAPE', `${what}: entry ${JSON.stringify(name)} is an absolute path`);
  return normalizeEntryPath(name, what);
}

function toFsEntry(h: TarHeader, what: string): FsEntry {
  const e: FsEntry = { path: entryPath(h.name, what), type: h.type, size: h.size, mode: h.mode, uid: h.uid, gid: h.gid, mtime: h.mtime };
  if (h.uname) e.uname = h.uname;
  if (h.gname) e.gname = h.gname;
  if (h.linkname !== undefined) e.linkname = h.type === 'hardlink' ? entryPath(h.linkname, `${what}: hard link ${JSON.stringify(h.name)}, target`) : h.linkname;
  if (h.devmajor !== undefined) e.devmajor = h.devmajor;
  if (h.devminor !== undefined) e.devminor = h.devminor;
  if (h.pax) e.pax = h.pax;
  return e;
}

/** Reads every entry of one layer, then drains what follows the end-of-archive so verification runs. */
async function forEachEntry(
  stream: Readable,
  what: string,
  signal: AbortSignal | undefined,
  fn: (h: TarHeader, body: Readable, ordinal: number) => Promise<'stop' | void>,
): Promise<void> {
  let ordinal = 0;
  try {
    for await (const { header, body } of readTarEntries(stream, what)) {
      if (signal?.aborted) throw new BalerError('E_CANCELLED', `${what}: cancelled`);
      // 'stop': pass 2 has everything it needs from this layer (pass 1 already verified its bytes)
      if ((await fn(header, body, ordinal++)) === 'stop') return;
    }
    if (!stream.readableEnded && !stream.destroyed) {
      for await (const _ of stream) {
        // trailing padding is part of the diff_id (formats.md §3.4): read it so the hash completes
      }
    }
  } finally {
    if (!stream.destroyed) stream.destroy();
  }
}

/** Pass 1: the merged tree of all layers, metadata only. */
export async function scanLayers(layers: LayerTars, signal?: AbortSignal): Promise<FsTree> {
  const tree = new FsTree();
  for (let i = 0; i < layers.count; i++) {
    const what = layers.what(i);
    let ordinal = 0;
    if (await layers.scanHeaders?.(i, (h) => tree.apply(i, ordinal++, toFsEntry(h, what), what), signal)) continue;
    await forEachEntry(await layers.open(i, signal), what, signal, async (h, _body, ordinal) => {
      // the body is left unread: the reader skips it (its bytes still pass through the digest check)
      tree.apply(i, ordinal, toFsEntry(h, what), what);
    });
  }
  return tree;
}

export interface EmitResult {
  entries: number;
  bytes: number;
}

/**
 * Pass 2: writes the plan to `writer` (the caller finishes the writer and owns the output).
 * `onLayerDone(i)` follows the last entry taken from layer `i` (progress reporting).
 */
export async function emitFlattened(layers: LayerTars, plan: FlattenPlan, writer: TarWriter, signal?: AbortSignal, onLayerDone?: (i: number) => void): Promise<EmitResult> {
  let entries = 0;
  let bytes = 0;
  for (const h of plan.upfront) {
    await writer.add(h as TarHeader);
    entries++;
  }
  for (let i = 0; i < layers.count; i++) {
    const wanted = plan.fromLayers.get(i) ?? new Map<number, LayerEmit>();
    // a layer pass 1 only looked at the headers of is read to its end here, so its digest is checked
    const whole = layers.readWhole?.(i) ?? false;
    if (wanted.size === 0 && !whole) continue;
    const what = layers.what(i);
    let left = wanted.size;
    await forEachEntry(await layers.open(i, signal, { again: true }), what, signal, async (h, body, ordinal) => {
      const emit = wanted.get(ordinal);
      if (!emit) return; // left unread: the reader skips it
      if (h.size !== emit.file.size) {
        // the layer changed between the passes: never write a file whose size does not match its header
        throw new BalerError('E_DIGEST_MISMATCH', `${what}: entry ${JSON.stringify(h.name)} changed between reads`);
      }
      await writer.add(emit.file as TarHeader, body);
      entries++;
      bytes += emit.file.size;
      for (const link of emit.links) {
        await writer.add(link as TarHeader);
        entries++;
      }
      left--;
      return left === 0 && !whole ? 'stop' : undefined;
    });
    if (left !== 0) throw new BalerError('E_DIGEST_MISMATCH', `${what}: ${left} entries seen in the first read were missing in the second`);
    onLayerDone?.(i);
  }
  return { entries, bytes };
}
