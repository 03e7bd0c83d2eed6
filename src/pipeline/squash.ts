/**
 * `baler squash IMAGE NEW[:TAG]`: flatten an image of the store into a single layer, keep its
 * config (Env, Cmd, Entrypoint, WorkingDir, User, Labels, ExposedPorts, Volumes…), and store it as a
 * new image. History keeps the old entries (marked empty) plus one that records the squash, as
 * `docker build --squash` does. Reports the bytes the old layers carried that the result no longer shows.
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { configDocument, nowRfc3339, singleLayerManifest, squashConfig } from '../image/scratch.js';
import { HashingStream } from '../io/hashing.js';
import { makeTempDir } from '../io/temp.js';
import { shortId, type Digest } from '../model/digest.js';
import { familiarName, type ImageName } from '../model/image-name.js';
import { MediaTypes } from '../model/media-types.js';
import { BuiltImageSource } from '../transports/rootfs/source.js';
import { builtImageRef } from '../transports/rootfs/transport.js';
import type { ImageSink, ImageSource } from '../transports/types.js';
import { copyImages, type CopyReport } from './copy.js';
import type { CopyEventHandler } from './events.js';
import { flattenImageTo } from './export.js';
import { resolveSourceImage } from './source-image.js';

export interface SquashRequest {
  source: ImageSource;
  image: string;
  to: ImageSink;
  name: ImageName;
  now?: Date;
  signal?: AbortSignal;
  onEvent?: CopyEventHandler;
}

export interface SquashReport {
  from: string;
  fromId: Digest;
  layersBefore: number;
  id: Digest;
  name: ImageName;
  entries: number;
  layerBytes: number;
  reclaimedBytes: number;
  copy: CopyReport;
}

export async function squashImage(req: SquashRequest): Promise<SquashReport> {
  const image = await resolveSourceImage(req.source, req.image, req.signal ? { signal: req.signal } : {});
  const temp = await makeTempDir('baler-squash-');
  try {
    // === flatten into one uncompressed layer, hashing it on the way (its digest is its diff_id)
    const layerFile = join(temp.path, 'layer.tar');
    const hash = new HashingStream();
    const written = pipeline(hash, createWriteStream(layerFile, { highWaterMark: 1024 * 1024 }));
    written.catch(() => undefined);
    let flat: Awaited<ReturnType<typeof flattenImageTo>>;
    try {
      flat = await flattenImageTo(req.source, image, hash, req.signal ? { signal: req.signal } : {});
    } catch (err) {
      hash.destroy(err as Error);
      throw err;
    }
    await written;
    const diffId = hash.digest();

    // === the new config and manifest
    const layersBefore = image.node.manifest.layers.length;
    const fromId = image.node.config.descriptor.digest;
    const created = nowRfc3339(req.now);
    const config = configDocument(
      squashConfig(image.node.config.parsed, {
        diffId,
        created,
        createdBy: `baler squash ${image.label} ${familiarName(req.name)}`,
        comment: `squashed ${layersBefore} layer${layersBefore === 1 ? '' : 's'} of ${shortId(fromId)} into one`,
      }),
    );
    const layer = { mediaType: MediaTypes.ociLayer, digest: diffId, size: hash.bytes };
    const manifest = singleLayerManifest(config.descriptor, layer);

    // === copy into the sink with the one pipeline
    const built = new BuiltImageSource(builtImageRef(`squash of ${image.label}`), { manifest, config, layer, layerFile, names: [req.name], created }, temp);
    const copy = await copyImages({
      from: built,
      to: req.to,
      select: { kind: 'all' },
      layers: 'keep',
      ...(req.signal ? { signal: req.signal } : {}),
      ...(req.onEvent ? { onEvent: req.onEvent } : {}),
    });
    return {
      from: image.label,
      fromId,
      layersBefore,
      id: config.descriptor.digest,
      name: req.name,
      entries: flat.entries,
      layerBytes: hash.bytes,
      reclaimedBytes: flat.plan.reclaimedBytes,
      copy,
    };
  } finally {
    await temp.remove();
  }
}
