import { BalerError } from '../../errors.js';
import { hexOf, type Digest } from '../../model/digest.js';
import { familiarRepository, type ImageName } from '../../model/image-name.js';
import { expectArray, expectObject, expectString, jsonBytes, parseJsonBytes, JsonLimits } from '../../model/json-limits.js';

/**
 * One item of a docker-archive `manifest.json` (formats.md §1.1): one per distinct image. Paths are
 * as written in the archive (not yet normalised); LayerSources and Parent are read but never written.
 */
export interface ManifestItem {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
  Parent?: string;
}

/** Pure: bytes of `manifest.json` -> items. `what` names the file for errors (`x.tar: manifest.json`). */
export function parseManifestJson(bytes: Uint8Array, what: string): ManifestItem[] {
  const arr = expectArray(parseJsonBytes(bytes, what, JsonLimits.manifest), what);
  return arr.map((v, i) => {
    const at = `${what}[${i}]`;
    const o = expectObject(v, at);
    const item: ManifestItem = {
      Config: expectString(o.Config, `${at}.Config`),
      RepoTags:
        o.RepoTags === undefined || o.RepoTags === null
          ? null
          : expectArray(o.RepoTags, `${at}.RepoTags`).map((t, j) => expectString(t, `${at}.RepoTags[${j}]`)),
      Layers: expectArray(o.Layers ?? [], `${at}.Layers`).map((l, j) => expectString(l, `${at}.Layers[${j}]`)),
    };
    if (typeof o.Parent === 'string') item.Parent = o.Parent;
    if (item.Config === '') throw new BalerError('E_FORMAT', `${at}.Config: empty path`);
    return item;
  });
}

/** The OCI-layout path of a blob, as the hybrid writer puts it in manifest.json (formats.md §1.2). */
export function blobPath(d: Digest): string {
  return `blobs/sha256/${hexOf(d)}`;
}

/** `name:tag` in Docker's familiar form, the only form Docker ≤24 accepts in RepoTags; untagged names have none. */
export function repoTagOf(n: ImageName): string | undefined {
  return n.tag === undefined ? undefined : `${familiarRepository(n)}:${n.tag}`;
}

export interface ManifestJsonImage {
  config: Digest;
  layers: Digest[];
  names: ImageName[];
}

/** Pure: what the hybrid writer puts in manifest.json — familiar RepoTags (or null), no LayerSources. */
export function serializeManifestJson(images: readonly ManifestJsonImage[]): Buffer {
  const items = images.map((img) => {
    const tags = [...new Set(img.names.map(repoTagOf).filter((t): t is string => t !== undefined))];
    return { Config: blobPath(img.config), RepoTags: tags.length ? tags : null, Layers: img.layers.map(blobPath) };
  });
  return Buffer.concat([jsonBytes(items), Buffer.from('\n')]);
}

/**
 * Pure: the `repositories` file of Docker ≥25 (formats.md §1.2): `{repo: {tag: <top layer diff_id hex>}}`.
 * Returns undefined when no image has a tag (Docker omits the file then).
 */
export function serializeRepositories(images: ReadonlyArray<{ names: ImageName[]; topDiffId?: Digest }>): Buffer | undefined {
  const repos: Record<string, Record<string, string>> = {};
  let any = false;
  for (const img of images) {
    if (!img.topDiffId) continue;
    for (const n of img.names) {
      if (n.tag === undefined) continue;
      const repo = familiarRepository(n);
      (repos[repo] ??= {})[n.tag] = hexOf(img.topDiffId);
      any = true;
    }
  }
  return any ? Buffer.concat([jsonBytes(repos), Buffer.from('\n')]) : undefined;
}
