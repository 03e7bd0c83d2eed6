/**
 * Progress of a flattening export as the copy pipeline's events (pipeline/events.ts), so the CLI
 * and the TUI Progress screen show one row per layer. Each layer is read twice (pass 1 scans the
 * headers and verifies the bytes, pass 2 copies the surviving files), so a layer's total is twice its
 * stored size (once when pass 1 reads only its headers by offset, and pass 2 reads and verifies it whole): `hashing` while pass 1 reads it, `copying` while pass 2 does, `verified` when no pass
 * needs it any more. Bytes are counted as stored (compressed), where the sizes are known up front.
 */
import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import type { Descriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import type { BlobFile, ImageSource } from '../transports/types.js';
import type { CopyEventHandler } from './events.js';
import type { SourceImage } from './source-image.js';

interface LayerProgress {
  done: number;
  total: number;
  state: 'queued' | 'hashing' | 'copying' | 'verified';
}

export class ExportProgress {
  private readonly layers = new Map<Digest, LayerProgress>();
  private pass: 1 | 2 = 1;
  private needed: ReadonlySet<number> = new Set();

  constructor(
    private readonly image: SourceImage,
    private readonly emit: CopyEventHandler,
  ) {
    for (const d of image.node.manifest.layers) {
      const known = this.layers.get(d.digest);
      // an image may list one layer twice: its row counts every read
      if (known) known.total += 2 * d.size;
      else this.layers.set(d.digest, { done: 0, total: 2 * d.size, state: 'queued' });
    }
  }

  /** The plan event and a queued row per layer. */
  start(): void {
    const node = this.image.node;
    const bytes = [...this.layers.values()].reduce((n, l) => n + l.total, 0);
    this.emit({
      kind: 'plan',
      images: [{ names: this.image.names, digest: node.descriptor.digest, ids: [node.config.descriptor.digest], platforms: [], layers: node.manifest.layers.length, bytes }],
      totalBytes: bytes,
      sharedBytes: 0,
      blobs: this.layers.size,
    });
    for (const d of this.layers.keys()) this.report(d);
  }

  /** Pass 1 is over: layers pass 2 will not read again are finished. */
  beginCopy(neededLayers: ReadonlySet<number>): void {
    this.pass = 2;
    this.needed = neededLayers;
    const layers = this.image.node.manifest.layers;
    const wanted = new Set(layers.filter((_, i) => neededLayers.has(i)).map((d) => d.digest));
    for (const d of this.layers.keys()) if (!wanted.has(d)) this.finish(d);
  }

  /** Pass 2 is done with layer `i` (base = 0); its row finishes unless a later index reads the same blob. */
  layerCopied(i: number): void {
    const layers = this.image.node.manifest.layers;
    const d = layers[i]?.digest;
    if (d && !layers.some((l, j) => j > i && l.digest === d && this.needed.has(j))) this.finish(d);
  }

  /** Every row finished and the image reported done. */
  end(): void {
    for (const d of this.layers.keys()) this.finish(d);
    this.emit({ kind: 'image-done', names: this.image.names, id: this.image.node.config.descriptor.digest, digest: this.image.node.descriptor.digest });
  }

  /** `source` with every layer read counted into its row. */
  counting(source: ImageSource): ImageSource {
    const fetchBlob = async (d: Descriptor, signal?: AbortSignal): Promise<Readable> => {
      const raw = await source.fetchBlob(d, signal);
      const row = this.layers.get(d.digest);
      if (!row) return raw;
      row.state = this.pass === 1 ? 'hashing' : 'copying';
      this.report(d.digest);
      const counter = new Transform({
        transform: (chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void => {
          row.done = Math.min(row.total, row.done + chunk.length);
          this.report(d.digest);
          cb(null, chunk);
        },
      });
      pipeline(raw, counter, () => undefined); // errors reach `counter` and whoever reads it
      return counter;
    };
    const wrapped: ImageSource = {
      ref: source.ref,
      list: () => source.list(),
      fetchManifest: (d) => source.fetchManifest(d),
      fetchBlob,
      [Symbol.asyncDispose]: () => source[Symbol.asyncDispose](),
    };
    const openBlobFile = source.openBlobFile?.bind(source);
    if (openBlobFile) {
      // pass 1 reads only the headers of such a layer: one counted read (pass 2's) instead of two
      // and pass 2 reads a stored layer through its file (hashed on a worker: checked-blob-file.ts), counted here
      wrapped.openBlobFile = async (d: Descriptor) => {
        const file = await openBlobFile(d);
        const row = this.layers.get(d.digest);
        if (!file || !row) return file;
        if (this.pass === 1) {
          row.total = Math.max(row.done, row.total - d.size);
          this.report(d.digest);
          return file;
        }
        row.state = 'copying';
        this.report(d.digest);
        const counted: BlobFile = {
          size: file.size,
          ...(file.fd !== undefined ? { fd: file.fd } : {}),
          close: () => file.close(),
          read: async (buffer, offset, length, position) => {
            const r = await file.read(buffer, offset, length, position);
            row.done = Math.min(row.total, row.done + r.bytesRead);
            this.report(d.digest);
            return r;
          },
        };
        return counted;
      };
    }
    return wrapped;
  }

  private finish(d: Digest): void {
    const row = this.layers.get(d);
    if (!row || row.state === 'verified') return;
    row.state = 'verified';
    row.done = row.total;
    this.report(d);
  }

  private report(d: Digest): void {
    const row = this.layers.get(d);
    if (row) this.emit({ kind: 'blob', digest: d, role: 'layer', state: row.state, done: row.done, total: row.total });
  }
}
