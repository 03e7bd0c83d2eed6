/**
 * Documents for images baler makes itself (import, squash): a config and a one-layer OCI manifest.
 * baler owns these bytes, so serialising them is fine (formats.md §3.2 forbids it only for foreign JSON).
 */
import type { Descriptor } from '../model/descriptor.js';
import { sha256Of, type Digest } from '../model/digest.js';
import type { ContainerConfig, HistoryEntry, ImageConfig } from '../model/image-config.js';
import { jsonBytes } from '../model/json-limits.js';
import { serializeManifest } from '../model/manifest.js';
import { MediaTypes } from '../model/media-types.js';
import type { Platform } from '../model/platform.js';

export interface BuiltDocument {
  bytes: Buffer;
  descriptor: Descriptor;
}

/** RFC 3339 in UTC, as Docker writes `created` (millisecond precision is what JS has). */
export function nowRfc3339(now: Date = new Date()): string {
  return now.toISOString();
}

/** Keys of a ContainerConfig with nothing in them are left out, so the config stays small and stable. */
export function compactContainerConfig(c: ContainerConfig): ContainerConfig {
  const out: ContainerConfig = {};
  for (const [k, v] of Object.entries(c)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) && v.length === 0 && k !== 'Cmd' && k !== 'Entrypoint') continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0) continue;
    out[k] = v;
  }
  return out;
}

/**
 * The config `docker import` writes (formats.md §4.2): platform, created, comment, runtime config
 * from --change, one history entry `{created, comment}` (no created_by), one diff_id.
 */
export function importConfig(o: { platform: Platform; created: string; comment: string; config: ContainerConfig; diffId: Digest }): ImageConfig {
  const cfg: ImageConfig = { architecture: o.platform.architecture, os: o.platform.os, rootfs: { type: 'layers', diff_ids: [o.diffId] } };
  if (o.platform.variant) cfg.variant = o.platform.variant;
  cfg.created = o.created;
  cfg.comment = o.comment;
  cfg.config = compactContainerConfig(o.config);
  cfg.history = [{ created: o.created, comment: o.comment }];
  return cfg;
}

/**
 * The config of a squashed image: everything of the original (runtime config, platform, labels…)
 * with one layer; the old history stays, each entry marked empty, plus one entry recording the squash
 * (what `docker build --squash` does).
 */
export function squashConfig(original: ImageConfig, o: { diffId: Digest; created: string; createdBy: string; comment: string }): ImageConfig {
  const history: HistoryEntry[] = (original.history ?? []).map((h) => ({ ...h, empty_layer: true }));
  history.push({ created: o.created, created_by: o.createdBy, comment: o.comment });
  const out: ImageConfig = { ...original, created: o.created, rootfs: { type: 'layers', diff_ids: [o.diffId] }, history };
  // legacy Docker fields that point at the old layer chain no longer describe this image
  delete out.parent;
  delete out.container;
  delete out.id;
  return out;
}

export function configDocument(cfg: ImageConfig): BuiltDocument {
  const bytes = jsonBytes(cfg);
  return { bytes, descriptor: { mediaType: MediaTypes.ociConfig, digest: sha256Of(bytes), size: bytes.length } };
}

/** A one-layer OCI manifest; `layer` is the stored blob (uncompressed here, so digest = diff_id). */
export function singleLayerManifest(config: Descriptor, layer: Descriptor, annotations?: Record<string, string>): BuiltDocument {
  const bytes = serializeManifest({
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config,
    layers: [layer],
    ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
  });
  return { bytes, descriptor: { mediaType: MediaTypes.ociManifest, digest: sha256Of(bytes), size: bytes.length } };
}
