import { resolve } from 'node:path';
import { BalerError } from '../../errors.js';
import { openExistingLayout } from '../../store/store.js';
import type { ImageRef, ImageSink, ImageSource, OpenOptions, Transport } from '../types.js';
import { openLayoutSink } from './sink.js';
import { LayoutSource } from './source.js';
import { removeOciDirLeftover } from '../resume/oci-dir-partial.js';
import { openOciDirResumeSink } from '../resume/oci-dir-sink.js';

/**
 * `oci:DIR[:IMAGE]` (skopeo's `oci:`): DIR is an OCI image layout directory; IMAGE selects one
 * image when reading and names what is written. The first `:` after the prefix separates them,
 * as in skopeo, so DIR itself cannot contain a colon.
 */
export class OciLayoutRef implements ImageRef {
  readonly transport: Transport = ociLayoutTransport;
  readonly location: string;
  readonly image?: string;

  constructor(dir: string, image?: string) {
    this.location = resolve(dir);
    if (image !== undefined) this.image = image;
  }

  toString(): string {
    return `oci:${this.location}${this.image !== undefined ? `:${this.image}` : ''}`;
  }

  async openSource(o?: OpenOptions): Promise<ImageSource> {
    return new LayoutSource(this, await openExistingLayout(this.location), o?.wanted);
  }

  /**
   * Creates the layout when first written to, appends to it otherwise (other images stay). A save
   * (removeIfUncommitted) with --resume stages its blobs in DIR.baler-partial (resume/oci-dir-sink.ts);
   * without --resume it removes such a leftover first and starts over.
   */
  async openSink(o?: OpenOptions): Promise<ImageSink> {
    if (o?.removeIfUncommitted === true) {
      if (o.resume === true) return openOciDirResumeSink(this, this.location, o, () => openLayoutSink(this, this.location, o, this.image));
      await removeOciDirLeftover(this.location);
    }
    return openLayoutSink(this, this.location, o, this.image);
  }
}

export function parseOciLayoutSpec(spec: string): OciLayoutRef {
  const body = spec.startsWith('oci:') ? spec.slice('oci:'.length) : spec;
  const colon = body.indexOf(':');
  const dir = colon >= 0 ? body.slice(0, colon) : body;
  const image = colon >= 0 ? body.slice(colon + 1) : undefined;
  if (dir === '') throw new BalerError('E_USAGE', `${JSON.stringify(spec)}: expected oci:DIR[:IMAGE]`);
  if (image === '') throw new BalerError('E_USAGE', `${JSON.stringify(spec)}: empty IMAGE after the directory`);
  return new OciLayoutRef(dir, image);
}

export const ociLayoutTransport: Transport = {
  name: 'oci',
  parse: parseOciLayoutSpec,
};
