/**
 * OCI layouts whose images share one gzip layer and whose configs may lie about its diff_id: what no
 * real tool writes on purpose, but what a registry or a hand-made layout can hand to baler (skopeo copies
 * it as it is). Used to check where baler checks diff_ids.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MT, configFor, sha256Hex, smallLayer } from './image-archives.js';
import { descriptorOf, ociIndexBytes, type IndexEntry } from './image-index.js';

export const SHARED_TAR = smallLayer('shared-base');
const GZ = gzipSync(SHARED_TAR);
/** The digest of the shared gzip layer blob. */
export const GZ_DIGEST = `sha256:${sha256Hex(GZ)}`;
export const TRUE_DIFF_ID = `sha256:${sha256Hex(SHARED_TAR)}`;
export const LIE = `sha256:${sha256Hex('a diff_id this layer does not have')}`;

/** An OCI layout whose images all use the one gzip layer GZ; each config claims `claimed` (true when absent) for it. */
export async function sharedGzipLayout(dir: string, images: ReadonlyArray<{ name: string; claimed?: string }>): Promise<string> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (bytes: Buffer): Promise<void> => writeFile(join(dir, 'blobs', 'sha256', sha256Hex(bytes)), bytes);
  await put(GZ);
  const entries: IndexEntry[] = [];
  for (const image of images) {
    // the name goes into the config too, so every image has its own ID
    const config = configFor([SHARED_TAR], { rootfs: { type: 'layers', diff_ids: [image.claimed ?? TRUE_DIFF_ID] }, config: { Labels: { name: image.name } } });
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest, config: descriptorOf(MT.ociConfig, config), layers: [descriptorOf(MT.ociLayerGzip, GZ)] }),
    );
    await put(config);
    await put(manifest);
    entries.push(descriptorOf(MT.ociManifest, manifest, { annotations: { 'org.opencontainers.image.ref.name': image.name, 'io.containerd.image.name': `docker.io/library/${image.name}` } }));
  }
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(join(dir, 'index.json'), ociIndexBytes(entries));
  return dir;
}

