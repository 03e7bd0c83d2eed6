import { BalerError } from '../errors.js';
import type { ImageRef, ImageSink, ImageSource, OpenOptions, Transport } from './types.js';

/**
 * `docker-archive:PATH[:IMAGE]` and `oci-archive:PATH[:IMAGE]`: like containers/image, the first `:`
 * after the transport prefix ends the path (so a path with a colon cannot be named this way; use ./).
 * The prefix is optional so the registry may pass either the whole spec or what follows it.
 */
export function splitArchiveSpec(transport: string, spec: string): { location: string; image?: string } {
  const body = spec.startsWith(`${transport}:`) ? spec.slice(transport.length + 1) : spec;
  const colon = body.indexOf(':');
  const location = colon < 0 ? body : body.slice(0, colon);
  const image = colon < 0 ? undefined : body.slice(colon + 1);
  if (location === '') throw new BalerError('E_USAGE', `${transport}: missing archive path in ${JSON.stringify(spec)}`);
  if (image !== undefined && image === '') throw new BalerError('E_USAGE', `${transport}: empty image name in ${JSON.stringify(spec)}`);
  return image === undefined ? { location } : { location, image };
}

export type SourceOpener = (ref: ImageRef, o: OpenOptions) => Promise<ImageSource>;
export type SinkOpener = (ref: ImageRef, o: OpenOptions) => Promise<ImageSink>;

/** The reference of a single-file archive transport; opening is delegated to the transport's source/sink. */
export class ArchiveRef implements ImageRef {
  readonly image?: string;
  constructor(
    readonly transport: Transport,
    readonly location: string,
    image: string | undefined,
    private readonly openers: { source: SourceOpener; sink: SinkOpener },
  ) {
    if (image !== undefined) this.image = image;
  }

  toString(): string {
    return `${this.transport.name}:${this.location}${this.image !== undefined ? `:${this.image}` : ''}`;
  }

  openSource(o: OpenOptions = {}): Promise<ImageSource> {
    return this.openers.source(this, o);
  }

  openSink(o: OpenOptions = {}): Promise<ImageSink> {
    return this.openers.sink(this, o);
  }
}
