import { resolve } from 'node:path';
import { BalerError } from '../../errors.js';
import { resolveStorePath } from '../../store/location.js';
import { openPresentStore } from '../../store/store.js';
import { openLayoutSink } from '../oci-layout/sink.js';
import { LayoutSource } from '../oci-layout/source.js';
import type { ImageRef, ImageSink, ImageSource, OpenOptions, Transport } from '../types.js';

/**
 * The embedded store as a transport: `store` (the default location, see store/location.ts) or
 * `store:/path`. It is an OCI layout, so source and sink are the layout ones.
 */
export class StoreRef implements ImageRef {
  readonly transport: Transport = storeTransport;
  readonly location: string;

  constructor(path: string) {
    this.location = resolve(path);
  }

  toString(): string {
    return `store:${this.location}`;
  }

  async openSource(o?: OpenOptions): Promise<ImageSource> {
    // a listing reads no layer: it takes no lease, so it writes nothing and never waits for a prune
    const leaseReads = o?.listOnly !== true;
    return new LayoutSource(this, await openPresentStore(this.location), o?.wanted, { leaseReads, ...(o?.onWarning ? { onWarning: o.onWarning } : {}) });
  }

  /** The store is made by the first write, so a load refused before writing leaves no store behind. */
  openSink(o?: OpenOptions): Promise<ImageSink> {
    return openLayoutSink(this, this.location, o);
  }
}

/** A ref for the store at `path` (already resolved with resolveStorePath by the caller). */
export function storeRef(path: string): StoreRef {
  return new StoreRef(path);
}

export function parseStoreSpec(spec: string): StoreRef {
  if (spec === 'store') return new StoreRef(resolveStorePath(undefined, process.env, process.cwd()));
  if (spec.startsWith('store:') && spec.length > 'store:'.length) return new StoreRef(spec.slice('store:'.length));
  throw new BalerError('E_USAGE', `${JSON.stringify(spec)}: expected store or store:/path`);
}

export const storeTransport: Transport = {
  name: 'store',
  parse: parseStoreSpec,
};
