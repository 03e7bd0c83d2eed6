/**
 * OCI/AUFS whiteout names (formats.md §4.3 rules 2-3): `.wh.<name>` deletes `<name>` from lower layers,
 * `.wh..wh..opq` makes its directory opaque, and other `.wh..wh.*` names are AUFS bookkeeping to ignore.
 * All functions take normalised paths (tar/paths.ts).
 */
export const OPAQUE_MARKER = '.wh..wh..opq';
const WHITEOUT_PREFIX = '.wh.';
const META_PREFIX = '.wh..wh.';

function splitBase(path: string): { dir: string; base: string } {
  const i = path.lastIndexOf('/');
  return i === -1 ? { dir: '', base: path } : { dir: path.slice(0, i), base: path.slice(i + 1) };
}

/** The path a `.wh.<name>` entry deletes (`a/.wh.b` -> `a/b`); undefined for other names and meta names. */
export function whiteoutTarget(path: string): string | undefined {
  const { dir, base } = splitBase(path);
  if (!base.startsWith(WHITEOUT_PREFIX) || base.startsWith(META_PREFIX)) return undefined;
  const target = base.slice(WHITEOUT_PREFIX.length);
  if (target === '' || target === '.' || target === '..') return undefined;
  return dir ? `${dir}/${target}` : target;
}

export function isOpaqueMarker(path: string): boolean {
  return splitBase(path).base === OPAQUE_MARKER;
}

/** Any `.wh..wh.*` name, the opaque marker included: never content, never itself in an output tree. */
export function isWhiteoutMeta(path: string): boolean {
  return splitBase(path).base.startsWith(META_PREFIX);
}
