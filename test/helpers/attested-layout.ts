/**
 * An OCI layout as `docker buildx build --attest type=provenance` pushes it (formats.md §2.4): an image
 * index with one platform manifest (the real `imga:1` skopeo wrote: fixtures/skopeo-gzip.oci-archive.tar)
 * and one attestation manifest the way buildkit writes it (image-index.ts: an in-toto statement about the
 * platform manifest as its one layer).
 * Independent of src/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MT, sha256Hex } from './image-archives.js';
import { buildkitAttestation, descriptorOf, ociIndexBytes, type IndexEntry } from './image-index.js';
import { fixture } from './paths.js';
import { readTar } from './tiny-tar.js';

export interface AttestedLayout {
  dir: string;
  /** The image index: its digest and exact bytes. */
  index: string;
  indexBytes: Buffer;
  /** The platform (linux/amd64) manifest and its config (the image ID under the graphdriver store). */
  manifest: string;
  config: string;
  /** Its gzip layers, as blob digests. */
  layers: string[];
  /** The attestation manifest, its config and its in-toto layer. */
  attestation: string;
  attestationConfig: string;
  statement: string;
}

/** Writes the layout into `dir` (created); index.json names the index `refName`. */
export async function writeAttestedLayout(dir: string, refName = 'imga:1'): Promise<AttestedLayout> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = (bytes: Buffer): Promise<void> => writeFile(join(blobs, sha256Hex(bytes)), bytes);

  const entries = readTar(readFileSync(fixture('skopeo-gzip.oci-archive.tar')));
  for (const e of entries) if (e.name.startsWith('blobs/sha256/') && e.data.length > 0) await put(Buffer.from(e.data));
  const fixtureIndex = JSON.parse(entries.find((e) => e.name === 'index.json')?.data.toString() ?? '') as { manifests: IndexEntry[] };
  const top = fixtureIndex.manifests[0] as IndexEntry;
  const manifestBytes = Buffer.from(entries.find((e) => e.name === `blobs/sha256/${top.digest.slice(7)}`)?.data ?? '');
  const manifest = JSON.parse(manifestBytes.toString()) as { config: IndexEntry; layers: IndexEntry[] };

  const att = buildkitAttestation(top.digest, 'pkg:docker/imga@1?platform=linux%2Famd64');
  const index = ociIndexBytes([descriptorOf(MT.ociManifest, manifestBytes, { platform: { architecture: 'amd64', os: 'linux' } }), att.entry]);
  for (const b of [att.statement, att.config, att.manifest, index]) await put(b);
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion": "1.0.0"}');
  await writeFile(join(dir, 'index.json'), ociIndexBytes([descriptorOf(MT.ociIndex, index, { annotations: { 'org.opencontainers.image.ref.name': refName } })]));
  return {
    dir,
    index: `sha256:${sha256Hex(index)}`,
    indexBytes: index,
    manifest: top.digest,
    config: manifest.config.digest,
    layers: manifest.layers.map((l) => l.digest),
    attestation: att.entry.digest,
    attestationConfig: `sha256:${sha256Hex(att.config)}`,
    statement: att.statementEntry.digest,
  };
}
