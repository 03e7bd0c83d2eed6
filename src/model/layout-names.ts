import type { Descriptor } from './descriptor.js';
import type { ImageName } from './image-name.js';
import { familiarName, fullName, parseImageName } from './image-name.js';

export const Annotations = {
  refName: 'org.opencontainers.image.ref.name',
  containerdName: 'io.containerd.image.name',
  title: 'org.opencontainers.image.title',
  source: 'org.opencontainers.image.source',
  created: 'org.opencontainers.image.created',
} as const;

/**
 * The name an OCI index entry carries (formats.md §2.5 [R]): io.containerd.image.name when present,
 * else ref.name if it parses as a reference with a tag or digest, else ref.name as a bare tag of
 * `fallbackRepo` (when the caller knows one). Unparseable names are dropped, not guessed.
 */
export function nameFromIndexEntry(d: Descriptor, fallbackRepo?: string): ImageName | undefined {
  const ann = d.annotations ?? {};
  const full = ann[Annotations.containerdName];
  if (full) {
    try {
      return parseImageName(full, { defaultTag: 'latest' });
    } catch {
      // fall through to ref.name
    }
  }
  const ref = ann[Annotations.refName];
  if (!ref) return undefined;
  if (ref.includes(':') || ref.includes('@') || ref.includes('/')) {
    try {
      const n = parseImageName(ref);
      if (n.tag !== undefined || n.digest !== undefined) return n;
    } catch {
      // not a reference: maybe a bare tag
    }
  }
  if (fallbackRepo) {
    try {
      return parseImageName(`${fallbackRepo}:${ref}`);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Annotations baler writes on an index entry: the full name for containerd/Docker >=25 and podman,
 * the familiar `name:tag` as ref.name so `skopeo copy oci:DIR:name:tag` finds it.
 */
export function annotationsForName(n: ImageName): Record<string, string> {
  return { [Annotations.containerdName]: fullName(n), [Annotations.refName]: familiarName(n) };
}
