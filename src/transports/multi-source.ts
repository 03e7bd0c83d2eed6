import type { Readable } from 'node:stream';
import { BalerError } from '../errors.js';
import type { Descriptor } from '../model/descriptor.js';
import type { ImageRef, ImageSource, OpenOptions, SourceEntry } from './types.js';

/**
 * Several sources read as one (`baler save -o all.tar registry://a/app:1 registry://b/db:5`): the images
 * each lists, in order. Manifests and blobs are content-addressed and every byte is verified by the
 * pipeline, so a digest may come from whichever source has it; each request goes first to the source
 * that answered the last one (an image's manifests and blobs are asked for together), then to the rest.
 */
export class MultiSource implements ImageSource {
  readonly ref: ImageRef;
  private lastHit = 0;

  constructor(private readonly sources: readonly ImageSource[]) {
    if (sources.length === 0) throw new Error('MultiSource: no sources');
    const first = sources[0]!.ref;
    const label = sources.map((s) => s.ref.toString()).join(' + ');
    this.ref = {
      transport: first.transport,
      location: label,
      toString: () => label,
      openSource: () => Promise.reject(new Error('MultiSource: open its parts')),
      openSink: () => Promise.reject(new BalerError('E_USAGE', `${label}: several sources cannot be written to`)),
    };
  }

  async list(): Promise<SourceEntry[]> {
    const lists = await Promise.all(this.sources.map((s) => s.list()));
    return lists.flat();
  }

  fetchManifest(d: Descriptor): Promise<Uint8Array> {
    return this.firstThatHas((s) => s.fetchManifest(d));
  }

  fetchBlob(d: Descriptor, signal?: AbortSignal): Promise<Readable> {
    return this.firstThatHas((s) => s.fetchBlob(d, signal));
  }

  fetchBlobFrom(d: Descriptor, from: number, signal?: AbortSignal): Promise<{ from: number; stream: Readable }> {
    return this.firstThatHas(async (s) => (s.fetchBlobFrom ? s.fetchBlobFrom(d, from, signal) : { from: 0, stream: await s.fetchBlob(d, signal) }));
  }

  /** The last source that answered first, then the others in order; a not-found moves on, anything else fails. */
  private async firstThatHas<T>(ask: (s: ImageSource) => Promise<T>): Promise<T> {
    const order = [this.lastHit, ...this.sources.keys()].filter((i, at, all) => all.indexOf(i) === at);
    let notFound: unknown;
    for (const i of order) {
      try {
        const got = await ask(this.sources[i]!);
        this.lastHit = i;
        return got;
      } catch (err) {
        if (!(err instanceof BalerError && err.code === 'E_NOT_FOUND')) throw err;
        notFound ??= err;
      }
    }
    throw notFound;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.allSettled(this.sources.map((s) => s[Symbol.asyncDispose]()));
  }
}

/** The one source, or several read as one (MultiSource); a failure closes what was opened. */
export async function openAsOneSource(refs: readonly ImageRef[], o: OpenOptions): Promise<ImageSource> {
  if (refs.length === 1) return refs[0]!.openSource(o);
  const opened: ImageSource[] = [];
  try {
    for (const ref of refs) opened.push(await ref.openSource(o));
  } catch (err) {
    await Promise.allSettled(opened.map((s) => s[Symbol.asyncDispose]()));
    throw err;
  }
  return new MultiSource(opened);
}
