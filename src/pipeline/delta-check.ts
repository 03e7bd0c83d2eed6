import { BalerError } from '../errors.js';
import { DELTA_FILE, parseDeltaManifest, type DeltaManifest, type ExpectedBlob } from '../model/delta-manifest.js';
import type { Descriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import { DockerEngine } from '../transports/docker-daemon/client.js';
import type { ImageRef, ImageSink, ImageSource } from '../transports/types.js';
import { daemonDiffIds } from './inventory.js';

/** The delta description of an archive, or undefined for a full archive. */
export async function readDelta(source: ImageSource, label: string): Promise<DeltaManifest | undefined> {
  const bytes = await source.readTopLevelFile?.(DELTA_FILE);
  return bytes ? parseDeltaManifest(bytes, `${label}: ${DELTA_FILE}`) : undefined;
}

/** How many missing digests a message names before "…". */
const NAMED = 3;

/**
 * `load` of a delta, before anything is written: every left-out blob the selected images need must
 * already be at the destination — by digest where the destination keeps blobs (store, OCI layout,
 * registry: the sink's hasBlob), by diff_id in a docker daemon (image inspect). Throws E_NOT_FOUND
 * naming how many are missing, the first few digests and the images that need them.
 */
export async function checkDeltaBase(delta: DeltaManifest, needed: readonly ExpectedBlob[], into: ImageRef, sink: ImageSink, label: string): Promise<void> {
  const missing: ExpectedBlob[] = [];
  if (into.transport.name === 'docker') {
    const held = await daemonDiffIds(new DockerEngine(into.location));
    for (const e of needed) if (!held.has(e.diffId)) missing.push(e);
  } else {
    for (const e of needed) if (!(await sink.hasBlob(e.digest))) missing.push(e);
  }
  if (missing.length === 0) return;
  const named = missing.slice(0, NAMED).map((e) => `${e.digest} (${e.images.join(', ')})`);
  const more = missing.length > NAMED ? `, and ${missing.length - NAMED} more` : '';
  const noun = missing.length === 1 ? 'layer blob' : 'layer blobs';
  throw new BalerError(
    'E_NOT_FOUND',
    `${label}: is a delta against ${delta.base.source}, but ${missing.length} ${noun} it leaves out ${missing.length === 1 ? 'is' : 'are'} not in ${into.toString()}: ${named.join(', ')}${more}; load the base images there first (nothing was written)`,
  );
}

/** The left-out blobs the images about to be copied need, each with the images needing it. */
export function neededBlobs(delta: DeltaManifest, images: ReadonlyArray<{ image: string; layers: readonly Descriptor[] }>): ExpectedBlob[] {
  const users = new Map<Digest, string[]>();
  for (const e of delta.expected) users.set(e.digest, []);
  for (const { image, layers } of images) {
    for (const l of layers) {
      const u = users.get(l.digest);
      if (u && !u.includes(image)) u.push(image);
    }
  }
  return delta.expected.filter((e) => (users.get(e.digest)?.length ?? 0) > 0).map((e) => ({ ...e, images: users.get(e.digest) as string[] }));
}
