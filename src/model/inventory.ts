import { BalerError } from '../errors.js';
import { parseDigest, sha256Of, type Digest } from './digest.js';
import { expectArray, expectObject, expectString, JsonLimits, parseJsonBytes } from './json-limits.js';

/**
 * `baler inventory`'s document: what a destination already holds, so `save --have` can leave those
 * layers out. Two kinds of destination keep layers differently:
 * - `holds: "blobs"` (the store, an OCI layout, an archive, a registry) keeps blobs under their digest:
 *   a layer is there when its blob digest is. Compression matters: a gzip blob does not stand in for
 *   the same content uncompressed, because the manifest that names it would change.
 * - `holds: "layers"` (a docker daemon, a docker data root) keeps unpacked layers by diff_id and
 *   re-derives an uncompressed layer tar (docker save) whose digest is that diff_id: a layer is there
 *   when its diff_id is, whatever compression the archive would carry it in.
 */
export const INVENTORY_KIND = 'baler-inventory';
export const INVENTORY_VERSION = 1;

export type InventoryHolds = 'blobs' | 'layers';

export interface InventoryLayer {
  /** The layer blob's digest as the destination stores it (equal to diffId for uncompressed layers). */
  digest: Digest;
  diffId: Digest;
}

export interface InventoryImage {
  /** Image ID: the config digest. */
  id: Digest;
  /** Manifest digest where the destination has one (not for a docker daemon). */
  manifest?: Digest;
  names: string[];
  diffIds: Digest[];
}

export interface Inventory {
  kind: typeof INVENTORY_KIND;
  version: typeof INVENTORY_VERSION;
  created: string;
  /** The transport reference it was taken from (`store:/…`, `docker`, `docker-archive:/old.tar`). */
  source: string;
  holds: InventoryHolds;
  /** Every blob digest held: indexes, manifests, configs and layers (empty for `holds: "layers"`). */
  blobs: Digest[];
  layers: InventoryLayer[];
  /** Every layer diff_id held. */
  diffIds: Digest[];
  images: InventoryImage[];
}

/** A layer as a delta decides on it: the digest the archive would write, and the content's diff_id. */
export interface LayerIdentity {
  digest: Digest;
  diffId: Digest;
}

/** Fast membership over an inventory; built once per save. */
export class InventoryIndex {
  private readonly blobs: ReadonlySet<string>;
  private readonly diffIds: ReadonlySet<string>;

  constructor(readonly inventory: Inventory) {
    this.blobs = new Set(inventory.blobs);
    this.diffIds = new Set(inventory.diffIds);
  }

  /** See the module comment: by blob digest for blob stores, by diff_id for layer stores. */
  hasLayer(l: LayerIdentity): boolean {
    return this.inventory.holds === 'blobs' ? this.blobs.has(l.digest) : this.diffIds.has(l.diffId);
  }

  hasBlob(d: Digest): boolean {
    return this.blobs.has(d);
  }

  hasDiffId(d: Digest): boolean {
    return this.diffIds.has(d);
  }
}

/** Sorted, duplicate-free: the document is stable for the same holdings. */
export function sortedUnique(ds: Iterable<Digest>): Digest[] {
  return [...new Set(ds)].sort();
}

/**
 * One inventory of several parts of the same destination (e.g. a registry's repositories, one
 * `--from` each). Parts must agree on how the destination holds layers.
 */
export function mergeInventories(parts: readonly Inventory[]): Inventory {
  const first = parts[0];
  if (!first) throw new BalerError('E_INTERNAL', 'Internal error: mergeInventories of nothing');
  const mixed = parts.find((p) => p.holds !== first.holds);
  if (mixed) {
    throw new BalerError('E_USAGE', `${first.source} holds ${first.holds} but ${mixed.source} holds ${mixed.holds}: an inventory describes one kind of destination`);
  }
  if (parts.length === 1) return first;
  const layers = new Map<Digest, InventoryLayer>();
  for (const p of parts) for (const l of p.layers) layers.set(l.digest, l);
  return {
    ...first,
    source: parts.map((p) => p.source).join(' '),
    blobs: sortedUnique(parts.flatMap((p) => p.blobs)),
    layers: [...layers.values()].sort((a, b) => a.digest.localeCompare(b.digest)),
    diffIds: sortedUnique(parts.flatMap((p) => p.diffIds)),
    images: parts.flatMap((p) => p.images),
  };
}

/** Canonical bytes (two-space JSON, trailing newline), so `inventoryDigest` is stable. */
export function serializeInventory(inv: Inventory): Buffer {
  return Buffer.from(`${JSON.stringify(inv, null, 2)}\n`, 'utf8');
}

/** The digest a delta records as its base: sha256 of the inventory document's bytes. */
export function inventoryDigest(bytes: Uint8Array): Digest {
  return sha256Of(bytes);
}

export function parseInventory(bytes: Uint8Array, what: string): Inventory {
  const o = expectObject(parseJsonBytes(bytes, what, 64 * JsonLimits.manifest), what);
  if (o.kind !== INVENTORY_KIND) throw new BalerError('E_FORMAT', `${what}: not a baler inventory (kind ${JSON.stringify(o.kind)}, expected "${INVENTORY_KIND}")`);
  if (o.version !== INVENTORY_VERSION) throw new BalerError('E_UNSUPPORTED', `${what}: inventory version ${JSON.stringify(o.version)} is not supported (expected ${INVENTORY_VERSION})`);
  const holds = o.holds;
  if (holds !== 'blobs' && holds !== 'layers') throw new BalerError('E_FORMAT', `${what}: "holds" must be "blobs" or "layers"`);
  const digests = (v: unknown, field: string): Digest[] => expectArray(v, `${what}: ${field}`).map((d, i) => parseDigest(d, `${what}: ${field}[${i}]`));
  const layers = expectArray(o.layers, `${what}: layers`).map((l, i): InventoryLayer => {
    const lo = expectObject(l, `${what}: layers[${i}]`);
    return { digest: parseDigest(lo.digest, `${what}: layers[${i}].digest`), diffId: parseDigest(lo.diffId, `${what}: layers[${i}].diffId`) };
  });
  const images = expectArray(o.images, `${what}: images`).map((im, i): InventoryImage => {
    const io = expectObject(im, `${what}: images[${i}]`);
    const out: InventoryImage = {
      id: parseDigest(io.id, `${what}: images[${i}].id`),
      names: expectArray(io.names, `${what}: images[${i}].names`).map((n, j) => expectString(n, `${what}: images[${i}].names[${j}]`)),
      diffIds: digests(io.diffIds, `images[${i}].diffIds`),
    };
    if (io.manifest !== undefined) out.manifest = parseDigest(io.manifest, `${what}: images[${i}].manifest`);
    return out;
  });
  return {
    kind: INVENTORY_KIND,
    version: INVENTORY_VERSION,
    created: expectString(o.created, `${what}: created`),
    source: expectString(o.source, `${what}: source`),
    holds,
    blobs: digests(o.blobs, 'blobs'),
    layers,
    diffIds: digests(o.diffIds, 'diffIds'),
    images,
  };
}
