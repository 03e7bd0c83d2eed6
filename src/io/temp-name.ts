import { basename, dirname, join } from 'node:path';
import { ownedTempHex, ownerTag, tagOfTempHex } from './owner.js';

/**
 * Every temp name baler makes, and the one place that reads them back. A name says who owns it (the
 * pid, and the tag of where that pid was taken, io/owner.ts), so a later baler can tell a SIGKILLed
 * writer's leftovers from a live writer's. Three shapes:
 *
 *   .baler-tmp-<pid>-<12 hex>                 a blob being written (or a lease) in a layout's blobs/sha256
 *   .<target>.baler-tmp-<pid>-<12 hex>        a file (or a new layout dir) being made beside <target>;
 *                                             a split part adds its number: .<target>.001.baler-tmp-…
 *   baler-<what>-<pid>-h<4 hex>.XXXXXX        a private temp dir (mkdtemp adds the 6 characters)
 *
 * The 12 hex digits are the owner tag (4) and 8 random ones. Older balers wrote names without a pid
 * (`baler-tmp-<12 hex>`, a new layout's dir `.<target>.baler-tmp-<6 chars>`) or without a tag
 * (private temp dirs): parsed here too, as unowned or untagged.
 */
const MARK = 'baler-tmp-';
const BLOB_PREFIX = `.${MARK}`;

/** Who made a temp name: `tag` undefined for a name from a baler that wrote none (judged by pid alone). */
export interface TempOwner {
  readonly pid: number;
  readonly tag: string | undefined;
}

/** `<pid>-<12 hex>`: this process as the owner of a new temp name. */
function ownedSuffix(): string {
  return `${process.pid}-${ownedTempHex()}`;
}

/** `.baler-tmp-<pid>-<12 hex>`, a temp blob (or, with a suffix, a lease) in blobs/sha256. */
export function tempBlobName(): string {
  return `${BLOB_PREFIX}${ownedSuffix()}`;
}

export function isTempBlobName(name: string): boolean {
  return name.startsWith(BLOB_PREFIX);
}

/** A store writer's lease file (store/lease.ts): a temp blob name with this suffix. */
export const LEASE_SUFFIX = '.lease';

export function isLeaseName(name: string): boolean {
  return isTempBlobName(name) && name.endsWith(LEASE_SUFFIX);
}

/** The owner of a temp blob (or lease) name, when it carries one. */
export function tempBlobOwner(name: string): TempOwner | undefined {
  const m = /^\.baler-tmp-(\d+)-([0-9a-f]{12})/.exec(name);
  return m ? { pid: Number(m[1]), tag: tagOfTempHex(m[2] as string) } : undefined;
}

/** The prefix of the temp blobs this process writes, to tell its own from others'. */
export function ownTempBlobPrefix(): string {
  return `${BLOB_PREFIX}${process.pid}-`;
}

/** `.<target>.baler-tmp-<pid>-<12 hex>`, in the target's directory (a path when `target` is one). */
export function ownedTempName(target: string): string {
  return join(dirname(target), `.${basename(target)}.${MARK}${ownedSuffix()}`);
}

/** The prefix of the temp names this process makes beside `target` (a path, like the target). */
export function ownTempPrefixBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.${MARK}${process.pid}-`);
}

/**
 * What follows `.<target>.` in a temp name beside a target: an optional split part number, the mark,
 * then the owner. Two older shapes read as unowned, since whether their writer still runs cannot be
 * told: 12 hex digits without a pid (files, before names carried one), and mkdtemp's 6 characters
 * (the temp dir a new layout was made in, `.store.baler-tmp-Ab12Cd`). Unowned names are never
 * removed, only reported (io/leftovers.ts), for the user to delete once no baler writes the target.
 */
const BESIDE_TAIL = /^(?:(\d{3,})\.)?baler-tmp-(?:(\d+)-([0-9a-f]{12})|[0-9a-f]{12}|[A-Za-z0-9]{6})$/;
/** The tail of a hidden name beside some target, for a reader that knows no target (prune). */
const ANY_BESIDE = /^\..+?\.((?:\d{3,}\.)?baler-tmp-.+)$/;

/** A temp name beside a target: `owned` with its owner, `unowned` for an older shape; `part`: a split part's. */
export type TempBeside = ({ kind: 'owned'; owner: TempOwner & { tag: string } } | { kind: 'unowned' }) & { part: boolean };

/**
 * Reads `name` as a temp name beside `target` (a base name: io/leftovers.ts sweeps one target's), or
 * beside any file when `target` is not given (a layout's root, store/gc.ts); undefined when it is not one.
 */
export function parseTempNameBeside(name: string, target?: string): TempBeside | undefined {
  const prefix = `.${target}.`;
  const tail = target === undefined ? ANY_BESIDE.exec(name)?.[1] : name.startsWith(prefix) ? name.slice(prefix.length) : undefined;
  const m = tail === undefined ? null : BESIDE_TAIL.exec(tail);
  if (!m) return undefined;
  const part = m[1] !== undefined;
  if (m[2] === undefined) return { kind: 'unowned', part };
  return { kind: 'owned', owner: { pid: Number(m[2]), tag: tagOfTempHex(m[3] as string) }, part };
}

/** mkdtemp's prefix for a private temp dir: `baler-archive-` → `baler-archive-<pid>-h<tag>.` (mkdtemp adds 6 characters). */
export function ownedTempDirPrefix(prefix: string): string {
  return `${prefix}${process.pid}-h${ownerTag()}.`;
}

/** A pid-named temp dir (only prefixes starting `baler-`, as makeTempDir's callers use); older ones carry no tag. */
const TEMP_DIR = /^baler-(?:[a-z][a-z0-9-]*-)?(\d+)(?:-h([0-9a-f]{4}))?\.[A-Za-z0-9]{6}$/;

/** The owner of a private temp dir's name, undefined when it is not one. */
export function tempDirOwner(name: string): TempOwner | undefined {
  const m = TEMP_DIR.exec(name);
  return m ? { pid: Number(m[1]), tag: m[2] } : undefined;
}
