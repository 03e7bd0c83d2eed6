import { DELTA_FILE, parseDeltaManifest } from '../model/delta-manifest.js';
import { parseDigest, type Digest } from '../model/digest.js';
import { familiarName } from '../model/image-name.js';
import { INVENTORY_KIND, INVENTORY_VERSION, sortedUnique, type Inventory, type InventoryHolds, type InventoryImage, type InventoryLayer } from '../model/inventory.js';
import { expectObject, isObject } from '../model/json-limits.js';
import { DockerEngine } from '../transports/docker-daemon/client.js';
import type { ImageRef, ImageSource, SinkCaps } from '../transports/types.js';
import { imagesOf, listImages, loadNode, type ManifestCache } from './image-graph.js';
import { layoutSinkCaps } from '../transports/oci-layout/sink.js';
import { openStoreIfPresent } from '../store/store.js';

/** Transports that keep unpacked layers by diff_id rather than blobs by digest (model/inventory.ts). */
const LAYER_STORES: ReadonlySet<string> = new Set(['docker', 'docker-root']);

export function holdsOf(ref: ImageRef): InventoryHolds {
  return LAYER_STORES.has(ref.transport.name) ? 'layers' : 'blobs';
}

/** Walks every index and image so nothing is narrowed to one platform: an inventory lists all it holds. */
const walkEverything: SinkCaps = layoutSinkCaps;

interface Collected {
  blobs: Digest[];
  layers: InventoryLayer[];
  images: InventoryImage[];
}

/**
 * What `ref` holds. A daemon is asked directly (image list + inspect: no `docker save`); every other
 * source is walked like a copy would walk it (manifests and configs verified, layers not read).
 */
export async function takeInventory(ref: ImageRef, o: { signal?: AbortSignal; now?: Date; onWarning?: (code: string, message: string) => void } = {}): Promise<Inventory> {
  if (ref.transport.name === 'docker') return toInventory(await daemonHoldings(new DockerEngine(ref.location)), ref.toString(), 'layers', o.now);
  // A receiving side with nothing loaded yet holds nothing, and a delta against it is a full archive: an
  // empty inventory, not a failure, but said out loud, since a mistyped --store looks the same.
  if (ref.transport.name === 'store' && (await openStoreIfPresent(ref.location)) === undefined) {
    o.onWarning?.('W_NO_STORE', `no image store at ${ref.location} yet: the inventory lists nothing (a delta against it carries every layer)`);
    return toInventory({ blobs: [], layers: [], images: [] }, ref.toString(), 'blobs', o.now);
  }
  // a source's warnings (a registry's artifact tags left out) tell the user what the inventory does not list
  // manifests and configs only (listOnly): a store takes no read lease for an inventory
  const source = await ref.openSource({ ...(o.signal ? { signal: o.signal } : {}), ...(o.onWarning ? { onWarning: o.onWarning } : {}), listOnly: true });
  try {
    return await inventoryOfSource(source, ref.toString(), holdsOf(ref), o);
  } finally {
    await source[Symbol.asyncDispose]();
  }
}

/** The inventory of an already open source (`save --since FILE` opens archives by content). */
export async function inventoryOfSource(source: ImageSource, label: string, holds: InventoryHolds, o: { signal?: AbortSignal; now?: Date } = {}): Promise<Inventory> {
  return toInventory(await walkOpenSource(source, label, o.signal), label, holds, o.now);
}

function toInventory(collected: Collected, source: string, holds: InventoryHolds, now: Date = new Date()): Inventory {
  return {
    kind: INVENTORY_KIND,
    version: INVENTORY_VERSION,
    created: now.toISOString(),
    source,
    holds,
    blobs: holds === 'blobs' ? sortedUnique(collected.blobs) : [],
    layers: [...new Map(collected.layers.map((l) => [l.digest, l])).values()].sort((a, b) => a.digest.localeCompare(b.digest)),
    diffIds: sortedUnique(collected.layers.map((l) => l.diffId)),
    images: collected.images.sort((a, b) => a.id.localeCompare(b.id) || (a.manifest ?? '').localeCompare(b.manifest ?? '')),
  };
}

/** Every image and blob a source holds; a delta archive (an earlier delta given to --since) also
 * "holds" the layers it expected at its destination. */
async function walkOpenSource(source: ImageSource, label: string, signal?: AbortSignal): Promise<Collected> {
  const out: Collected = { blobs: [], layers: [], images: [] };
  const cache: ManifestCache = new Map();
  const warn = (): void => undefined; // a walk's warnings (platforms not included) say nothing about holdings
  for (const listed of await listImages(source, label, cache)) {
    const node = await loadNode(listed, { source, caps: walkEverything, label: `${label}: ${listed.digest}`, cache, warn, ...(signal ? { signal } : {}) });
    out.blobs.push(node.descriptor.digest);
    for (const img of imagesOf(node)) {
      const diffIds = img.config.parsed.rootfs.diff_ids as Digest[];
      out.blobs.push(img.descriptor.digest, img.config.descriptor.digest);
      img.manifest.layers.forEach((l, i) => {
        out.blobs.push(l.digest);
        out.layers.push({ digest: l.digest, diffId: diffIds[i] as Digest });
      });
      out.images.push({ id: img.config.descriptor.digest, manifest: img.descriptor.digest, names: listed.names.map(familiarName), diffIds });
    }
  }
  // an earlier delta's left-out layers are at its destination by definition
  const deltaBytes = await source.readTopLevelFile?.(DELTA_FILE);
  if (deltaBytes) {
    for (const e of parseDeltaManifest(deltaBytes, `${label}: ${DELTA_FILE}`).expected) {
      out.blobs.push(e.digest);
      out.layers.push({ digest: e.digest, diffId: e.diffId });
    }
  }
  return out;
}

/**
 * A daemon's images from /images/json and /images/{id}/json. Docker keeps no manifests or layer blobs,
 * so each layer's "digest" is its diff_id: what `docker save` writes it as (uncompressed).
 */
async function daemonHoldings(engine: DockerEngine): Promise<Collected> {
  const out: Collected = { blobs: [], layers: [], images: [] };
  for (const row of await engine.listImages()) {
    if (!row.id) continue;
    const what = `${engine.label}: image ${row.id}`;
    const inspected = expectObject(await engine.json('GET', `/images/${encodeURIComponent(row.id)}/json`), what);
    const rootfs = isObject(inspected.RootFS) ? inspected.RootFS : {};
    const layers = Array.isArray(rootfs.Layers) ? rootfs.Layers : [];
    const diffIds = layers.map((l, i) => parseDigest(l, `${what}: RootFS.Layers[${i}]`));
    for (const d of diffIds) out.layers.push({ digest: d, diffId: d });
    out.images.push({ id: parseDigest(row.id, `${what}: Id`), names: row.repoTags, diffIds });
  }
  return out;
}

/** Every layer diff_id a daemon holds (a delta's load check against `--into docker`). */
export async function daemonDiffIds(engine: DockerEngine): Promise<Set<Digest>> {
  return new Set((await daemonHoldings(engine)).layers.map((l) => l.diffId));
}

/** For each diff_id a daemon holds, one image that has it (to `docker save` that layer back). */
export async function daemonLayerOwners(engine: DockerEngine): Promise<Map<Digest, string>> {
  const owners = new Map<Digest, string>();
  for (const img of (await daemonHoldings(engine)).images) for (const d of img.diffIds) if (!owners.has(d)) owners.set(d, img.id);
  return owners;
}
