import type { Descriptor } from '../model/descriptor.js';
import { descriptorJson, parseDescriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import type { ImageName } from '../model/image-name.js';
import { sameName } from '../model/image-name.js';
import type { JsonObject } from '../model/json-limits.js';
import { Annotations, annotationsForName, nameFromIndexEntry } from '../model/layout-names.js';
import type { IndexDocument } from './index-file.js';

/**
 * Pure edits of an index document, with docker's naming rules: one entry per name, a name moved
 * to another image leaves that image as an unnamed entry unless another entry still refers to it,
 * and an image with no names is kept as a single entry without name annotations.
 */
export interface NameMove {
  name: ImageName;
  from: Digest;
  to: Digest;
}

const NAME_KEYS: readonly string[] = [Annotations.refName, Annotations.containerdName];

function digestOf(entry: JsonObject): Digest {
  return parseDescriptor(entry, 'index.json entry').digest;
}

export function entryName(entry: JsonObject): ImageName | undefined {
  return nameFromIndexEntry(parseDescriptor(entry, 'index.json entry'));
}

/** An entry carrying no name annotation at all (a name another tool wrote but baler cannot parse still counts as a name). */
function isBlank(entry: JsonObject): boolean {
  const ann = entry.annotations as Record<string, unknown> | undefined;
  return !ann || NAME_KEYS.every((k) => !(k in ann));
}

function withoutNames(entry: JsonObject): JsonObject {
  const ann = { ...((entry.annotations as Record<string, string> | undefined) ?? {}) };
  for (const k of NAME_KEYS) delete ann[k];
  const out: JsonObject = { ...entry };
  if (Object.keys(ann).length) out.annotations = ann;
  else delete out.annotations;
  return out;
}

/** Drops blank entries whose image is also held by another entry (and duplicate blanks). */
function dropRedundantBlanks(doc: IndexDocument): void {
  const seenBlank = new Set<string>();
  const referencedByNamed = new Set(doc.manifests.filter((m) => !isBlank(m)).map(digestOf));
  doc.manifests = doc.manifests.filter((m) => {
    if (!isBlank(m)) return true;
    const d = digestOf(m);
    if (referencedByNamed.has(d) || seenBlank.has(d)) return false;
    seenBlank.add(d);
    return true;
  });
}

export interface AddImageOptions {
  /** Write this exact ref.name instead of the familiar name (`oci:DIR:IMAGE` as skopeo does). */
  refName?: string;
}

/**
 * Records `d` under `name` (or unnamed). Returns the move when `name` pointed at another image.
 * The incoming descriptor's own name annotations (from the source) are replaced, others kept.
 */
export function addImageToIndex(doc: IndexDocument, d: Descriptor, name?: ImageName, opts: AddImageOptions = {}): NameMove | undefined {
  const base = withoutNames(descriptorJson(d));
  if (name === undefined && opts.refName === undefined) {
    if (!doc.manifests.some((m) => digestOf(m) === d.digest)) doc.manifests.push(base);
    return undefined;
  }
  let move: NameMove | undefined;
  let present = false;
  doc.manifests = doc.manifests.map((m) => {
    const same = opts.refName !== undefined ? (m.annotations as Record<string, string> | undefined)?.[Annotations.refName] === opts.refName : isNamed(m, name);
    if (!same) return m;
    const from = digestOf(m);
    if (from === d.digest) {
      present = true;
      return m;
    }
    if (name) move = { name, from, to: d.digest };
    return withoutNames(m);
  });
  if (!present) {
    const annotations = { ...((base.annotations as Record<string, string> | undefined) ?? {}) };
    if (name) Object.assign(annotations, annotationsForName(name));
    if (opts.refName !== undefined) annotations[Annotations.refName] = opts.refName;
    const blank = doc.manifests.findIndex((m) => isBlank(m) && digestOf(m) === d.digest);
    if (blank >= 0) doc.manifests[blank] = { ...doc.manifests[blank], annotations: { ...((doc.manifests[blank]?.annotations as Record<string, string> | undefined) ?? {}), ...annotations } };
    else doc.manifests.push({ ...base, annotations });
  }
  dropRedundantBlanks(doc);
  return move;
}

function isNamed(entry: JsonObject, name: ImageName | undefined): boolean {
  if (!name) return false;
  const n = entryName(entry);
  return n !== undefined && sameName(n, name);
}

/** Removes the entry of one name; returns the digest it pointed at and whether the image is now gone. */
export function removeNameFromIndex(doc: IndexDocument, name: ImageName): { digest: Digest; imageGone: boolean } | undefined {
  const i = doc.manifests.findIndex((m) => isNamed(m, name));
  const entry = doc.manifests[i];
  if (entry === undefined) return undefined;
  const digest = digestOf(entry);
  doc.manifests.splice(i, 1);
  return { digest, imageGone: !doc.manifests.some((m) => digestOf(m) === digest) };
}

/** Removes every entry of an image. Returns how many entries went. */
export function removeImageFromIndex(doc: IndexDocument, digest: Digest): number {
  const before = doc.manifests.length;
  doc.manifests = doc.manifests.filter((m) => digestOf(m) !== digest);
  return before - doc.manifests.length;
}
