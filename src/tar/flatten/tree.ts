/**
 * Pass 1 of flattening (formats.md §4.3): a metadata-only model of the merged file system, built by
 * applying each layer's tar headers base→top. Pure — no streams, no fs, never file contents.
 *
 * Names (tree nodes) point at inodes so hard links behave like on a real file system: a typeflag-1
 * entry adds a name to the inode currently at its target; a later entry at either path unlinks that
 * name only, so the other name keeps the old content (rule 6).
 */
import { BalerError } from '../../errors.js';
import { encodeNameBytes } from '../name-bytes.js';
import type { TarEntryType, TarHeader } from '../header.js';
import { OPAQUE_MARKER } from '../whiteouts.js';

export type FsEntryType = TarEntryType;

/** One tar header of a layer with its path already normalised ('' = the root, no `./`, no trailing `/`). */
export type FsEntry = Omit<TarHeader, 'name'> & { path: string };

/** What an output entry carries besides its name and type (mode masked to 07777). */
export interface FsMeta {
  type: Exclude<FsEntryType, 'hardlink' | 'contiguous' | 'other'>;
  mode: number;
  uid: number;
  gid: number;
  uname?: string;
  gname?: string;
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Only the xattr records (`SCHILY.xattr.*`): the rest of a PAX header is derived from the fields. */
  xattrs?: Record<string, string>;
}

/** Where a regular file's bytes are: the `ordinal`-th entry of layer `layer`. */
export interface DataRef {
  layer: number;
  ordinal: number;
}

export interface Inode {
  readonly id: number;
  meta: FsMeta;
  size: number;
  data?: DataRef;
  readonly names: Set<LeafNode>;
}

export interface DirNode {
  readonly kind: 'dir';
  readonly name: string;
  readonly parent: DirNode | undefined;
  readonly children: Map<string, FsNode>;
  meta: FsMeta;
  /** Layer that last set this directory's own entry. */
  layer: number;
  /** Highest layer that set this directory or anything beneath it (same-layer content survives an opaque marker). */
  touched: number;
}

export interface LeafNode {
  readonly kind: 'leaf';
  readonly name: string;
  readonly parent: DirNode;
  inode: Inode;
  layer: number;
}

export type FsNode = DirNode | LeafNode;

const WHITEOUT_PREFIX = '.wh.';

const XATTR_PREFIXES = ['SCHILY.xattr.', 'LIBARCHIVE.xattr.'];

function xattrsOf(pax: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!pax) return undefined;
  let out: Record<string, string> | undefined;
  for (const [k, v] of Object.entries(pax)) {
    if (XATTR_PREFIXES.some((p) => k.startsWith(p))) (out ??= {})[k] = v;
  }
  return out;
}

export function metaOf(e: FsEntry, type: FsMeta['type']): FsMeta {
  const m: FsMeta = { type, mode: e.mode & 0o7777, uid: e.uid, gid: e.gid, mtime: e.mtime };
  if (e.uname) m.uname = e.uname;
  if (e.gname) m.gname = e.gname;
  if (type === 'symlink' && e.linkname !== undefined) m.linkname = e.linkname;
  if (type === 'char' || type === 'block') {
    m.devmajor = e.devmajor ?? 0;
    m.devminor = e.devminor ?? 0;
  }
  const x = xattrsOf(e.pax);
  if (x) m.xattrs = x;
  return m;
}

export function nodePath(n: FsNode): string {
  const parts: string[] = [];
  for (let cur: FsNode | undefined = n; cur && cur.parent; cur = cur.parent) parts.push(cur.name);
  return parts.reverse().join('/');
}

/** Byte-wise order of names, as Go's sort (and so `docker export`'s walk) uses. */
export function compareNames(a: string, b: string): number {
  // without surrogates, UTF-16 code-unit order is code-point order, which is UTF-8 byte order
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(encodeNameBytes(a), encodeNameBytes(b));
}

const SURROGATE = /[\uD800-\uDFFF]/;

export class FsTree {
  readonly root: DirNode;
  private nextInode = 1;
  /** Bytes of regular-file data across all layers, for "bytes reclaimed". */
  totalFileBytes = 0;

  constructor() {
    this.root = { kind: 'dir', name: '', parent: undefined, children: new Map(), meta: { type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0 }, layer: -1, touched: -1 };
  }

  /**
   * Applies one header. `layer` counts from 0 at the base; `ordinal` is the entry's position in that
   * layer's tar stream (the emitter finds file bytes by it in pass 2). `what` names the layer in errors.
   */
  apply(layer: number, ordinal: number, e: FsEntry, what: string): void {
    if (e.path === '') {
      if (e.type === 'dir') this.root.meta = metaOf(e, 'dir');
      return;
    }
    const slash = e.path.lastIndexOf('/');
    const dirPath = slash < 0 ? '' : e.path.slice(0, slash);
    const base = e.path.slice(slash + 1);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      this.applyWhiteout(layer, dirPath, base);
      return;
    }
    const parent = this.ensureDir(dirPath, layer, e.mtime);
    const existing = parent.children.get(base);
    if (e.type === 'dir') {
      if (existing?.kind === 'dir') {
        // rule 4: dir over dir replaces attributes only, children merge
        existing.meta = metaOf(e, 'dir');
        existing.layer = layer;
        existing.touched = layer;
        return;
      }
      if (existing) this.unlink(existing);
      parent.children.set(base, { kind: 'dir', name: base, parent, children: new Map(), meta: metaOf(e, 'dir'), layer, touched: layer });
      return;
    }
    if (e.type === 'hardlink') {
      this.applyHardlink(layer, parent, base, e, what);
      return;
    }
    if (e.type === 'other') throw new BalerError('E_UNSUPPORTED', `${what}: entry ${JSON.stringify(e.path)} has an unsupported tar entry type`);
    const type: FsMeta['type'] = e.type === 'contiguous' ? 'file' : e.type;
    const inode: Inode = { id: this.nextInode++, meta: metaOf(e, type), size: type === 'file' ? e.size : 0, names: new Set() };
    if (type === 'file') {
      inode.data = { layer, ordinal };
      this.totalFileBytes += e.size;
    }
    if (existing) this.unlink(existing);
    const leaf: LeafNode = { kind: 'leaf', name: base, parent, inode, layer };
    inode.names.add(leaf);
    parent.children.set(base, leaf);
  }

  /** The node at a normalised path, if any. */
  lookup(path: string): FsNode | undefined {
    if (path === '') return this.root;
    let cur: FsNode = this.root;
    for (const part of path.split('/')) {
      if (cur.kind !== 'dir') return undefined;
      const next: FsNode | undefined = cur.children.get(part);
      if (!next) return undefined;
      cur = next;
    }
    return cur;
  }

  /**
   * Every surviving node in `docker export`'s walk order: a directory before its children,
   * siblings sorted by name. The root itself is not yielded.
   */
  *walk(dir: DirNode = this.root): Generator<FsNode> {
    for (const n of this.walkChildren(dir)) {
      yield n;
      if (n.kind === 'dir') yield* this.walk(n);
    }
  }

  /** The children of one directory, sorted by name. */
  walkChildren(dir: DirNode): FsNode[] {
    return [...dir.children.keys()].sort(compareNames).map((name) => dir.children.get(name) as FsNode);
  }

  private applyHardlink(layer: number, parent: DirNode, base: string, e: FsEntry, what: string): void {
    const target = e.linkname === undefined ? undefined : this.lookup(e.linkname);
    if (!target || target.kind !== 'leaf') {
      throw new BalerError('E_FORMAT', `${what}: hard link ${JSON.stringify(e.path)} points at ${JSON.stringify(e.linkname ?? '')}, which is ${target ? 'a directory' : 'missing'}`);
    }
    const existing = parent.children.get(base);
    if (existing === target) return;
    const inode = target.inode;
    // Docker's applyLayer chmods/chowns/chtimes the shared inode with the link header's values
    if (inode.meta.type !== 'symlink') {
      inode.meta = { ...inode.meta, mode: e.mode & 0o7777, uid: e.uid, gid: e.gid, mtime: e.mtime };
      if (e.uname) inode.meta.uname = e.uname;
      if (e.gname) inode.meta.gname = e.gname;
    }
    if (existing) this.unlink(existing);
    const leaf: LeafNode = { kind: 'leaf', name: base, parent, inode, layer };
    inode.names.add(leaf);
    parent.children.set(base, leaf);
  }

  private applyWhiteout(layer: number, dirPath: string, base: string): void {
    const dir = this.lookup(dirPath);
    if (!dir || dir.kind !== 'dir') return; // nothing below to hide
    if (base === OPAQUE_MARKER) {
      // rule 2: hide lower content; what this layer added survives whatever the tar order
      this.removeLower(dir, layer);
      return;
    }
    if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return; // aufs metadata (.wh..wh.plnk…): ignore
    const victim = dir.children.get(base.slice(WHITEOUT_PREFIX.length));
    if (!victim) return;
    const sameLayer = victim.kind === 'dir' ? victim.touched === layer : victim.layer === layer;
    if (!sameLayer) this.unlink(victim);
  }

  private removeLower(dir: DirNode, layer: number): void {
    for (const child of [...dir.children.values()]) {
      if (child.kind === 'dir' && child.touched === layer) {
        this.removeLower(child, layer);
      } else if (child.layer !== layer) {
        this.unlink(child);
      }
    }
  }

  /** Creates missing parents (rule 5): owned by root, 0755 (overlay2's choice; vfs uses 0600), the child's mtime. */
  private ensureDir(path: string, layer: number, mtime: number): DirNode {
    let cur = this.root;
    cur.touched = layer;
    if (path === '') return cur;
    for (const part of path.split('/')) {
      let next = cur.children.get(part);
      if (!next || next.kind !== 'dir') {
        if (next) this.unlink(next);
        next = { kind: 'dir', name: part, parent: cur, children: new Map(), meta: { type: 'dir', mode: 0o755, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime }, layer, touched: layer };
        cur.children.set(part, next);
      }
      next.touched = layer;
      cur = next;
    }
    return cur;
  }

  /** Removes a name (and a directory's whole subtree); an inode lives on while another name holds it. */
  private unlink(n: FsNode): void {
    n.parent?.children.delete(n.name);
    this.dropNames(n);
  }

  private dropNames(n: FsNode): void {
    if (n.kind === 'leaf') n.inode.names.delete(n);
    else for (const c of n.children.values()) this.dropNames(c);
  }
}
