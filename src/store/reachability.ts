import type { Digest } from '../model/digest.js';
import { shortId } from '../model/digest.js';
import { familiarName } from '../model/image-name.js';
import { JsonLimits } from '../model/json-limits.js';
import { nameFromIndexEntry } from '../model/layout-names.js';
import { blobSize, readBlobBytes } from './blobs.js';
import type { IndexEntry } from './index-file.js';
import { manifestReferences, type ReferenceRole } from './references.js';

/**
 * Every blob the index reaches: top-level entries, then through nested indexes to manifests, and
 * from manifests to configs and layers (artifact `blobs` too). Referrer `subject` links are not
 * followed: a signature keeps itself alive, not the image it signs.
 */
export interface ReachableBlob {
  /** Size the referring descriptor states. */
  size: number;
  /** Who refers to it first, for messages. */
  from: string;
}

export interface Reachability {
  reachable: Map<Digest, ReachableBlob>;
  missing: { digest: Digest; from: string }[];
  /**
   * Child manifests of an index that the layout lacks: platforms not included (a sparse index, as Docker's
   * containerd image store saves one; the OCI image-layout spec allows it). Noted, not a problem.
   */
  notIncluded: { digest: Digest; from: string }[];
  /** Manifests that could not be read or parsed: their children are unknown. */
  unreadable: { digest: Digest; from: string; message: string }[];
}

export function describeEntry(e: IndexEntry): string {
  const n = nameFromIndexEntry(e.descriptor);
  return `index.json entry ${e.position}${n ? ` (${familiarName(n)})` : ''}`;
}

function roleLabel(role: ReferenceRole, position: number): string {
  return role === 'config' ? 'config' : `${role} ${position}`;
}

export async function walkReachable(root: string, entries: readonly IndexEntry[]): Promise<Reachability> {
  const out: Reachability = { reachable: new Map(), missing: [], notIncluded: [], unreadable: [] };
  const visitManifest = async (digest: Digest, size: number, from: string, child = false): Promise<void> => {
    if (out.reachable.has(digest)) return;
    out.reachable.set(digest, { size, from });
    if ((await blobSize(root, digest)) === undefined) {
      (child ? out.notIncluded : out.missing).push({ digest, from });
      return;
    }
    let refs;
    try {
      refs = manifestReferences(await readBlobBytes(root, digest, JsonLimits.manifest), `manifest ${digest}`);
    } catch (err) {
      out.unreadable.push({ digest, from, message: (err as Error).message });
      return;
    }
    for (const r of refs.refs) {
      const childFrom = `manifest ${shortId(digest)} ${roleLabel(r.role, r.position)}`;
      if (r.role === 'manifest') {
        await visitManifest(r.digest, r.size, childFrom, refs.kind === 'index');
        continue;
      }
      if (out.reachable.has(r.digest)) continue;
      out.reachable.set(r.digest, { size: r.size, from: childFrom });
      if ((await blobSize(root, r.digest)) === undefined) out.missing.push({ digest: r.digest, from: childFrom });
    }
  };
  for (const e of entries) await visitManifest(e.descriptor.digest, e.descriptor.size, describeEntry(e));
  return out;
}
