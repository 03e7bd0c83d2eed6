import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { BalerError } from '../../errors.js';
import type { TempDir } from '../../io/temp.js';
import type { Descriptor } from '../../model/descriptor.js';
import type { BuiltDocument } from '../../image/scratch.js';
import type { ImageName } from '../../model/image-name.js';
import type { ImageRef, ImageSource, SourceEntry } from '../types.js';

/** An image baler made (import, squash): its config and manifest in memory, its one layer in a temp file. */
export interface BuiltImage {
  manifest: BuiltDocument;
  config: BuiltDocument;
  layer: Descriptor;
  layerFile: string;
  names: ImageName[];
  created?: string;
}

/**
 * Serves a BuiltImage to the copy pipeline like any other source. Disposing removes the temp dir
 * that holds the layer file.
 */
export class BuiltImageSource implements ImageSource {
  constructor(
    readonly ref: ImageRef,
    readonly image: BuiltImage,
    private readonly temp: TempDir,
  ) {}

  async list(): Promise<SourceEntry[]> {
    const e: SourceEntry = { descriptor: this.image.manifest.descriptor, names: [...this.image.names] };
    if (this.image.created) e.created = this.image.created;
    return [e];
  }

  async fetchManifest(d: Descriptor): Promise<Uint8Array> {
    if (d.digest !== this.image.manifest.descriptor.digest) throw this.missing(d);
    return this.image.manifest.bytes;
  }

  async fetchBlob(d: Descriptor, signal?: AbortSignal): Promise<Readable> {
    if (d.digest === this.image.config.descriptor.digest) return Readable.from([this.image.config.bytes]);
    if (d.digest === this.image.layer.digest) return createReadStream(this.image.layerFile, { highWaterMark: 1024 * 1024, ...(signal ? { signal } : {}) });
    throw this.missing(d);
  }

  private missing(d: Descriptor): BalerError {
    return new BalerError('E_INTERNAL', `Internal error: ${this.ref.toString()} has no blob ${d.digest}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.temp.remove();
  }
}
