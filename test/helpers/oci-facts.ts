import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { readTar } from './tiny-tar.js';

export interface OciImageFacts {
  refName: string | undefined;
  /** The `io.containerd.image.name` annotation (the full name containerd and Docker >= 25 import under). */
  containerdName: string | undefined;
  manifestDigest: string;
  configDigest: string;
  diffIds: string[];
  layerMediaTypes: string[];
}

interface Desc {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** Reads an oci-archive tar (small fixtures only) and returns each index entry's image facts, checking blob digests. */
export function ociArchiveFacts(file: string): OciImageFacts[] {
  const entries = readTar(readFileSync(file));
  const byName = new Map(entries.map((e) => [e.name.replace(/^\.\//, ''), e.data]));
  const blob = (digest: string): Buffer => {
    const b = byName.get(`blobs/${digest.replace(':', '/')}`);
    if (!b) throw new Error(`${file}: blob ${digest} missing`);
    const got = `sha256:${createHash('sha256').update(b).digest('hex')}`;
    if (got !== digest) throw new Error(`${file}: blob ${digest} hashes to ${got}`);
    return b;
  };
  const index = JSON.parse((byName.get('index.json') ?? Buffer.from('{}')).toString()) as { manifests?: Desc[] };
  return (index.manifests ?? []).map((m) => {
    const manifest = JSON.parse(blob(m.digest).toString()) as { config: Desc; layers: Desc[] };
    const config = JSON.parse(blob(manifest.config.digest).toString()) as { rootfs: { diff_ids: string[] } };
    return {
      refName: m.annotations?.['org.opencontainers.image.ref.name'],
      containerdName: m.annotations?.['io.containerd.image.name'],
      manifestDigest: m.digest,
      configDigest: manifest.config.digest,
      diffIds: config.rootfs.diff_ids,
      layerMediaTypes: manifest.layers.map((l) => l.mediaType),
    };
  });
}
