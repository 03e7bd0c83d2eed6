// Real image bytes for store tests: the config and three layers of
// fixtures/fixture-3layers.docker20-save.tar (docker 20.10 `docker save`),
// plus variants whose config differs by a label so tests can hold several distinct images.
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import type { Descriptor } from '../../../src/model/descriptor.js';
import type { Digest } from '../../../src/model/digest.js';
import { sha256Of } from '../../../src/model/digest.js';
import type { ImageName } from '../../../src/model/image-name.js';
import { MediaTypes } from '../../../src/model/media-types.js';
import type { LayoutWriter } from '../../../src/store/writer.js';
import { fixture } from '../../helpers/paths.js';

export const FIXTURE_TAR = fixture('fixture-3layers.docker20-save.tar');
export const FIXTURE_CONFIG = '73ef00e63c597cd5ab27c28273d8894f0c0678a443bf1cec19f161c0d7cf8710.json';
export const FIXTURE_LAYERS = [
  '8a68d516046d94d1575a829ec971d5622c2e0ed244f8741cab3eb1a516892aef/layer.tar',
  '3cdd4dd1157845c397ae7a09d45fca719f3bf11141070a318a3f40d987643522/layer.tar',
  '9717f88d38d9ff0e5f670e725b3b1aa06d52da69f31c0187090fdaf4dc0b8a3c/layer.tar',
];

function member(name: string): Buffer {
  return execFileSync('tar', ['-xOf', FIXTURE_TAR, name], { maxBuffer: 64 * 1024 * 1024 });
}

export interface Blob {
  descriptor: Descriptor;
  bytes: Buffer;
}

export interface TestImage {
  config: Blob;
  layers: Blob[];
  manifest: Blob;
  /** Image ID = config digest. */
  id: Digest;
}

let cached: { config: Buffer; layers: Buffer[] } | undefined;
export function fixtureBytes(): { config: Buffer; layers: Buffer[] } {
  cached ??= { config: member(FIXTURE_CONFIG), layers: FIXTURE_LAYERS.map(member) };
  return cached;
}

function blob(mediaType: string, bytes: Buffer): Blob {
  return { descriptor: { mediaType, digest: sha256Of(bytes), size: bytes.length }, bytes };
}

/** variant 0 = the fixture's exact config; n > 0 = same layers, config with label variant=n. */
export function testImage(variant = 0, created?: string): TestImage {
  const f = fixtureBytes();
  let configBytes = f.config;
  if (variant > 0 || created) {
    const c = JSON.parse(f.config.toString('utf8')) as { config: { Labels: Record<string, string> }; created: string };
    if (variant > 0) c.config.Labels.variant = String(variant);
    if (created) c.created = created;
    configBytes = Buffer.from(JSON.stringify(c));
  }
  const config = blob(MediaTypes.dockerConfig, configBytes);
  const layers = f.layers.map((l) => blob(MediaTypes.dockerLayer, l));
  const manifestBytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.dockerManifest, config: config.descriptor, layers: layers.map((l) => l.descriptor) }, null, 3),
  );
  return { config, layers, manifest: blob(MediaTypes.dockerManifest, manifestBytes), id: config.descriptor.digest };
}

/** Writes every blob and the manifest through the writer and queues the index entry (no commit). */
export async function putImage(w: LayoutWriter, img: TestImage, name?: ImageName): Promise<void> {
  for (const b of [img.config, ...img.layers]) {
    if (await w.hasBlob(b.descriptor.digest)) continue;
    await w.putBlob(Readable.from([b.bytes]), { mediaType: b.descriptor.mediaType, digest: b.descriptor.digest, size: b.descriptor.size });
  }
  await w.putManifest(img.manifest.bytes, img.manifest.descriptor);
  w.addImage(name ? { descriptor: img.manifest.descriptor, name } : { descriptor: img.manifest.descriptor });
}

/** An OCI index over the given manifests with platforms, as a multi-platform image. */
export function testIndex(children: { image: TestImage; platform: { os: string; architecture: string; variant?: string } }[]): Blob {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: children.map((c) => ({ ...c.image.manifest.descriptor, platform: c.platform })),
    }),
  );
  return blob(MediaTypes.ociIndex, bytes);
}
