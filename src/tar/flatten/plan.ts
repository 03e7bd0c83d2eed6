/**
 * Turns a finished FsTree into what pass 2 writes (formats.md §4.3 rule 7). Pure.
 *
 * Order of the output: first every entry that needs no file bytes (directories, symlinks, devices,
 * FIFOs, empty files, and their extra hard-link names) in walk order, so parents always come before
 * children; then, while the layers stream again base→top, each surviving regular file at the spot
 * where its bytes pass by, followed by its other names as hard links. The first selected name of an
 * inode (walk order) carries the content, as `docker export` does.
 */
import type { TarEntryType, TarHeader } from '../header.js';
import type { DirNode, FsMeta, FsNode, FsTree, Inode, LeafNode } from './tree.js';

/** The header of one output entry: a TarHeader whose type a flattened tree can produce. */
export type FlatHeader = TarHeader & { type: Exclude<TarEntryType, 'contiguous' | 'other'> };

export interface LayerEmit {
  file: FlatHeader;
  links: FlatHeader[];
}

export interface FlattenPlan {
  /** Written before any layer is read again. */
  upfront: FlatHeader[];
  /** layer index → entry ordinal in that layer → the file to write with that entry's bytes. */
  fromLayers: Map<number, Map<number, LayerEmit>>;
  /** Entries the output will hold, and the regular-file bytes among them. */
  entries: number;
  bytes: number;
  /** Bytes of regular files in the layers that the result no longer shows (deleted or overwritten). */
  reclaimedBytes: number;
}

/** Decides which output paths to keep; a directory is kept anyway when something below it is. */
export type PathFilter = (path: string, isDir: boolean) => boolean;

function headerOf(name: string, meta: FsMeta, size: number): FlatHeader {
  const h: FlatHeader = { name, type: meta.type, size, mode: meta.mode, uid: meta.uid, gid: meta.gid, mtime: meta.mtime };
  if (meta.uname) h.uname = meta.uname;
  if (meta.gname) h.gname = meta.gname;
  if (meta.linkname !== undefined) h.linkname = meta.linkname;
  if (meta.devmajor !== undefined) h.devmajor = meta.devmajor;
  if (meta.devminor !== undefined) h.devminor = meta.devminor;
  if (meta.xattrs) h.pax = { ...meta.xattrs };
  return h;
}

function linkHeader(name: string, target: string, meta: FsMeta): FlatHeader {
  const h = headerOf(name, meta, 0);
  h.type = 'hardlink';
  h.linkname = target;
  delete h.devmajor;
  delete h.devminor;
  return h;
}

function needsLayerBytes(inode: Inode): boolean {
  return inode.meta.type === 'file' && inode.size > 0 && inode.data !== undefined;
}

export function planFlatten(tree: FsTree, filter: PathFilter = () => true): FlattenPlan {
  // the selected names of every inode, in walk order
  const kept = new Map<Inode, string[]>();
  const order: Array<{ path: string; node: FsNode }> = [];
  const visit = (dir: DirNode, prefix: string): number => {
    let keptBelow = 0;
    for (const n of tree.walkChildren(dir)) {
      const path = prefix === '' ? n.name : `${prefix}/${n.name}`;
      if (n.kind === 'dir') {
        const slot = order.length;
        order.push({ path, node: n });
        const below = visit(n, path);
        if (below === 0 && !filter(path, true)) order.splice(slot, 1);
        else keptBelow += below + 1;
      } else if (filter(path, false)) {
        order.push({ path, node: n });
        const names = kept.get(n.inode) ?? [];
        names.push(path);
        kept.set(n.inode, names);
        keptBelow++;
      }
    }
    return keptBelow;
  };
  visit(tree.root, '');

  const upfront: FlatHeader[] = [];
  const fromLayers = new Map<number, Map<number, LayerEmit>>();
  let bytes = 0;
  for (const { path, node } of order) {
    if (node.kind === 'dir') {
      upfront.push(headerOf(path, node.meta, 0));
      continue;
    }
    const inode = (node as LeafNode).inode;
    const names = kept.get(inode) ?? [];
    const first = names[0] as string;
    if (!needsLayerBytes(inode)) {
      upfront.push(first === path ? headerOf(path, inode.meta, 0) : linkHeader(path, first, inode.meta));
      continue;
    }
    if (first !== path) continue; // written with its first name
    const data = inode.data as { layer: number; ordinal: number };
    let byOrdinal = fromLayers.get(data.layer);
    if (!byOrdinal) fromLayers.set(data.layer, (byOrdinal = new Map()));
    byOrdinal.set(data.ordinal, { file: headerOf(path, inode.meta, inode.size), links: names.slice(1).map((n) => linkHeader(n, first, inode.meta)) });
    bytes += inode.size;
  }
  return { upfront, fromLayers, entries: order.length, bytes, reclaimedBytes: tree.totalFileBytes - survivingFileBytes(tree) };
}

/** Bytes of regular-file data still visible under any name (no filter: squash and export report the same). */
export function survivingFileBytes(tree: FsTree): number {
  const seen = new Set<Inode>();
  let total = 0;
  for (const n of tree.walk()) {
    if (n.kind === 'leaf' && n.inode.data && !seen.has(n.inode)) {
      seen.add(n.inode);
      total += n.inode.size;
    }
  }
  return total;
}
