/**
 * An OCI layout as `docker buildx build --attest type=provenance` pushes it (formats.md §2.4): an image
 * index with one platform manifest (the real `imga:1` skopeo wrote: fixtures/skopeo-gzip.oci-archive.tar)
 * and one attestation manifest the way buildkit writes it — an OCI manifest whose config is a small
 * unknown/unknown config and whose one layer is an in-toto statement about the platform manifest.
 * Independent of src/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MT, sha256Hex } from './image-archives.js';
import { fixture } from './paths.js';
import { readTar } from './tiny-tar.js';

export const IN_TOTO = 'application/vnd.in-toto+json';

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

interface Desc {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

function descriptorOf(mediaType: string, bytes: Buffer, extra: Partial<Desc> = {}): Desc {
  return { mediaType, digest: `sha256:${sha256Hex(bytes)}`, size: bytes.length, ...extra };
}

/** Writes the layout into `dir` (created); index.json names the index `refName`. */
export async function writeAttestedLayout(dir: string, refName = 'imga:1'): Promise<AttestedLayout> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = (bytes: Buffer): Promise<void> => writeFile(join(blobs, sha256Hex(bytes)), bytes);

  const entries = readTar(readFileSync(fixture('skopeo-gzip.oci-archive.tar')));
  for (const e of entries) if (e.name.startsWith('blobs/sha256/') && e.data.length > 0) await put(Buffer.from(e.data));
  const fixtureIndex = JSON.parse(entries.find((e) => e.name === 'index.json')?.data.toString() ?? '') as { manifests: Desc[] };
  const top = fixtureIndex.manifests[0] as Desc;
  const manifestBytes = Buffer.from(entries.find((e) => e.name === `blobs/sha256/${top.digest.slice(7)}`)?.data ?? '');
  const manifest = JSON.parse(manifestBytes.toString()) as { config: Desc; layers: Desc[] };

  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://slsa.dev/provenance/v0.2',
      subject: [{ name: 'pkg:docker/imga@1?platform=linux%2Famd64', digest: { sha256: top.digest.slice(7) } }],
      predicate: { builder: { id: '' }, buildType: 'https://mobyproject.org/buildkit@v1', metadata: { buildInvocationID: 'baler-test' } },
    }),
  );
  const statementDesc = descriptorOf(IN_TOTO, statement, { annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } });
  const attConfig = Buffer.from(JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [statementDesc.digest] } }));
  const attManifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest, config: descriptorOf(MT.ociConfig, attConfig), layers: [statementDesc] }));
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.ociIndex,
      manifests: [
        descriptorOf(MT.ociManifest, manifestBytes, { platform: { architecture: 'amd64', os: 'linux' } }),
        descriptorOf(MT.ociManifest, attManifest, {
          annotations: { 'vnd.docker.reference.digest': top.digest, 'vnd.docker.reference.type': 'attestation-manifest' },
          platform: { architecture: 'unknown', os: 'unknown' },
        }),
      ],
    }),
  );
  for (const b of [statement, attConfig, attManifest, index]) await put(b);
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion": "1.0.0"}');
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [descriptorOf(MT.ociIndex, index, { annotations: { 'org.opencontainers.image.ref.name': refName } })] }));
  return {
    dir,
    index: `sha256:${sha256Hex(index)}`,
    indexBytes: index,
    manifest: top.digest,
    config: manifest.config.digest,
    layers: manifest.layers.map((l) => l.digest),
    attestation: `sha256:${sha256Hex(attManifest)}`,
    attestationConfig: `sha256:${sha256Hex(attConfig)}`,
    statement: statementDesc.digest,
  };
}
