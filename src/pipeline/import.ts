/**
 * `baler import`: a flat root file system → a one-layer image, copied by the one copy pipeline into
 * the sink (the embedded store, or a docker-archive with -o). architecture.md: import is
 * `copy(from: rootfsSource(...), to: storeSink)`.
 */
import type { ImageSink } from '../transports/types.js';
import { rootfsRef, type RootfsFacts, type RootfsOptions } from '../transports/rootfs/transport.js';
import { copyImages, type CopyReport } from './copy.js';
import type { CopyEventHandler } from './events.js';

export interface ImportRequest extends RootfsOptions {
  to: ImageSink;
  onEvent?: CopyEventHandler;
}

export interface ImportReport {
  copy: CopyReport;
  facts: RootfsFacts;
}

/** Builds the image from the input, copies it into `req.to` and commits; the caller disposes the sink. */
export async function importRootfs(req: ImportRequest): Promise<ImportReport> {
  const { to, onEvent, ...options } = req;
  const ref = rootfsRef(options);
  const source = await ref.openSource();
  try {
    const copy = await copyImages({
      from: source,
      to,
      select: { kind: 'all' },
      // the layer is uncompressed (digest = diff_id, as docker import stores it); sinks keep it so
      layers: 'keep',
      ...(req.signal ? { signal: req.signal } : {}),
      ...(onEvent ? { onEvent } : {}),
    });
    return { copy, facts: ref.facts as RootfsFacts };
  } finally {
    await source[Symbol.asyncDispose]();
  }
}
