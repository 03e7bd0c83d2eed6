/**
 * Builders for small, valid image archives assembled in memory from first principles (formats.md §1.1, §2),
 * as a list of tar entries that hostile tests corrupt before calling writeTar(). Independent of src/.
 */
import { createHash } from 'node:crypto';
import { writeTar, type TinyEntry } from './tiny-tar.js';

export const MT = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A one-file layer tar whose content is unique to `seed`. */
export function smallLayer(seed: string): Buffer {
  return writeTar([
    { name: 'etc', type: 'dir' },
    { name: `etc/${seed}.txt`, data: `${seed}\n` },
  ]);
}

export function configFor(layers: readonly Buffer[], extra: Record<string, unknown> = {}): Buffer {
  const cfg = {
    architecture: 'amd64',
    os: 'linux',
    created: '2024-01-01T00:00:00Z',
    config: { Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${sha256Hex(l)}`) },
    history: layers.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `layer ${i}` })),
    ...extra,
  };
  return Buffer.from(JSON.stringify(cfg));
}

export interface DockerArchiveParts {
  entries: TinyEntry[];
  configHex: string;
  layerNames: string[];
}

/** A Docker-style archive (`<diffid>.tar` layers, `<id>.json` config, manifest.json) for one image. */
export function dockerArchiveParts(repoTag: string, layers: readonly Buffer[] = [smallLayer('a')]): DockerArchiveParts {
  const config = configFor(layers);
  const configHex = sha256Hex(config);
  const layerNames = layers.map((l) => `${sha256Hex(l)}.tar`);
  const manifest = [{ Config: `${configHex}.json`, RepoTags: [repoTag], Layers: layerNames }];
  const entries: TinyEntry[] = [
    ...layers.map((l, i) => ({ name: layerNames[i] as string, data: l })),
    { name: `${configHex}.json`, data: config },
    { name: 'manifest.json', data: `${JSON.stringify(manifest)}\n` },
  ];
  return { entries, configHex, layerNames };
}

export interface OciArchiveParts {
  entries: TinyEntry[];
  manifestHex: string;
  configHex: string;
  layerHexes: string[];
}

/** An OCI image layout (oci-layout, index.json, blobs/sha256/…) with one image named by ref.name. */
export function ociArchiveParts(refName: string, layers: readonly Buffer[] = [smallLayer('o')], layerMediaType: string = MT.ociLayer): OciArchiveParts {
  const config = configFor(layers);
  const configHex = sha256Hex(config);
  const layerHexes = layers.map((l) => sha256Hex(l));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.ociManifest,
      config: { mediaType: MT.ociConfig, digest: `sha256:${configHex}`, size: config.length },
      layers: layers.map((l, i) => ({ mediaType: layerMediaType, digest: `sha256:${layerHexes[i]}`, size: l.length })),
    }),
  );
  const manifestHex = sha256Hex(manifest);
  const index = {
    schemaVersion: 2,
    mediaType: MT.ociIndex,
    manifests: [{ mediaType: MT.ociManifest, digest: `sha256:${manifestHex}`, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': refName } }],
  };
  const entries: TinyEntry[] = [
    { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
    { name: 'index.json', data: JSON.stringify(index) },
    { name: 'blobs', type: 'dir' },
    { name: 'blobs/sha256', type: 'dir' },
    { name: `blobs/sha256/${configHex}`, data: config },
    { name: `blobs/sha256/${manifestHex}`, data: manifest },
    ...layers.map((l, i) => ({ name: `blobs/sha256/${layerHexes[i]}`, data: l })),
  ];
  return { entries, manifestHex, configHex, layerHexes };
}

/** Replaces the data of the entry called `name` (throws when absent, so a broken test cannot pass vacuously). */
export function replaceData(entries: TinyEntry[], name: string, data: string | Uint8Array): void {
  const e = entries.find((x) => x.name === name);
  if (!e) throw new Error(`no entry ${name}`);
  e.data = data;
}

export { writeTar };
