import { BalerError } from '../errors.js';
import type { Descriptor } from '../model/descriptor.js';
import type { ImageConfig } from '../model/image-config.js';
import { parseImageConfig } from '../model/image-config.js';
import type { ImageManifest } from '../model/manifest.js';
import { parseImageManifest } from '../model/manifest.js';
import { manifestKind, parseIndexManifest } from '../model/index-manifest.js';
import { formatPlatform, hostPlatform, platformMatches } from '../model/platform.js';
import type { StoreImage } from '../store/images.js';
import type { Store } from '../store/store.js';

/**
 * The one runnable image behind a store entry, shared by `inspect` and `history`: the manifest
 * itself, or for a multi-platform index the host's platform (else the first image in it).
 */
export interface ImageDetails {
  image: StoreImage;
  manifestDescriptor: Descriptor;
  manifest: ImageManifest;
  configBytes: Buffer;
  config: ImageConfig;
  /** Set when `image` is an index: the platform picked from it. */
  pickedPlatform?: string;
}

export async function loadImageDetails(store: Store, image: StoreImage): Promise<ImageDetails> {
  let descriptor: Descriptor = image.descriptor;
  let bytes = await store.readManifest(descriptor.digest);
  let pickedPlatform: string | undefined;
  if (manifestKind(bytes, `manifest ${descriptor.digest}`) === 'index') {
    const index = parseIndexManifest(bytes, `index ${descriptor.digest}`);
    // a sparse index's platforms the store lacks are not candidates
    const held = await Promise.all(index.manifests.map((m) => store.hasBlob(m.digest)));
    const runnable = index.manifests.filter((m, i) => held[i] && m.platform && m.platform.os !== 'unknown');
    const host = hostPlatform();
    const child = runnable.find((m) => m.platform && platformMatches(host, m.platform)) ?? runnable[0] ?? index.manifests[0];
    if (!child) throw new BalerError('E_FORMAT', `index ${descriptor.digest}: holds no images`);
    descriptor = child;
    if (child.platform) pickedPlatform = formatPlatform(child.platform);
    bytes = await store.readManifest(child.digest);
  }
  const manifest = parseImageManifest(bytes, `manifest ${descriptor.digest}`, descriptor.mediaType);
  const configBytes = await store.readConfig(manifest.config.digest);
  const config = parseImageConfig(configBytes, `config ${manifest.config.digest}`);
  const out: ImageDetails = { image, manifestDescriptor: descriptor, manifest, configBytes, config };
  if (pickedPlatform) out.pickedPlatform = pickedPlatform;
  return out;
}
