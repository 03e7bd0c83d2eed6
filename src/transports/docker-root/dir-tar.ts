import { constants, createWriteStream, type BigIntStats } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { BalerError, fromSystemError } from '../../errors.js';
import type { Digest } from '../../model/digest.js';
import { HashingStream } from '../../io/hashing.js';
import type { TarHeader } from '../../tar/header.js';
import { TarWriter } from '../../tar/write.js';
import { OPAQUE_MARKER } from '../../tar/whiteouts.js';
import { zeroStream } from './zero-fill.js';
import { hostOwnerNames, type OwnerNames } from './host-owners.js';
import { CAPABILITY_XATTR, dockerCapability, OPAQUE_XATTR, readLayerXattrs, type XattrMap } from './layer-xattrs.js';

/**
 * How a directory becomes a tar (formats.md §5.2):
 *  'overlay-diff' — an overlay2 diff dir: char device 0/0 → `.wh.NAME`, opaque dir → `.wh..wh..opq`;
 *  'vfs-diff'     — a vfs full copy compared with its parent's copy (Docker's naive diff), deletions as `.wh.`;
 *  'rootfs'       — the whole directory as it is (a vfs container's merged file system).
 */
export type DirTarMode = 'overlay-diff' | 'vfs-diff' | 'rootfs';

export interface DirTarRequest {
  dir: string;
  mode: DirTarMode;
  /** 'vfs-diff' only: the parent layer's full copy. */
  parentDir?: string;
  what: string;
  signal?: AbortSignal;
  onWarning?: (code: string, message: string) => void;
  /** Zeros instead of file contents (a skeleton for header-only readers); no regular file is opened. */
  skeleton?: boolean;
}

/**
 * Walks `dir` (names in byte order, parents first, never following a symlink: a link to /etc/shadow is
 * archived as a link) and writes a tar to `out`, then ends it. Hard links within the walk become
 * typeflag-1 entries. Like Docker, `security.capability` is kept as a PAX SCHILY.xattr record and other
 * extended attributes are not (read with getfattr, else GNU tar: Node has no xattr API). Known gaps:
 * names that are not UTF-8 get replacement characters, sockets are skipped (as Docker does).
 */
export async function writeDirTar(req: DirTarRequest, out: Writable): Promise<void> {
  const tar = new TarWriter(out);
  const xattrs = await readLayerXattrs(req.dir, req.signal);
  if (!xattrs && !req.skeleton) {
    const lost = req.mode === 'overlay-diff' ? 'opaque directories (a directory deleted and re-created may show files it no longer has) and file capabilities' : 'file capabilities (security.capability)';
    req.onWarning?.('W_NO_XATTRS', `${req.what}: neither getfattr (attr package) nor GNU tar is installed, so ${lost} under ${req.dir} are not carried`);
  }
  await new DirEmitter(tar, req, xattrs?.attrs ?? new Map(), await hostOwnerNames()).walk([]);
  await tar.finish();
  if (!out.writableEnded) out.end();
}

/** The tar of a directory as a stream (each call walks the directory again). */
export function dirTarStream(req: DirTarRequest): Readable {
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  writeDirTar(req, out).catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
  return out;
}

export interface DirLayerTar {
  path: string;
  digest: Digest;
  size: number;
}

/**
 * Rebuilds a layer from its directory when tar-split cannot reproduce Docker's bytes, into a temp file so
 * its digest and size are known before a manifest names it. Same changes, different bytes and digest.
 */
export async function buildLayerTarFromDir(req: DirTarRequest & { tempDir: string }): Promise<DirLayerTar> {
  const path = join(req.tempDir, `layer-${Date.now()}-${Math.random().toString(16).slice(2)}.tar`);
  const hash = new HashingStream();
  const file = createWriteStream(path);
  hash.pipe(file);
  await writeDirTar(req, hash);
  await finished(file);
  return { path, digest: hash.digest(), size: hash.bytes };
}

/*
 * Path components are latin1 strings (bytes 1:1) so names that are not UTF-8 still reach the right file;
 * fs calls get Buffer paths. Only the tar header name is decoded as UTF-8 (lossy for such names).
 */
function fsPath(base: string, parts: readonly string[]): Buffer {
  return parts.length === 0 ? Buffer.from(base) : Buffer.concat([Buffer.from(base), Buffer.from(`/${parts.join('/')}`, 'latin1')]);
}

function displayPath(base: string, parts: readonly string[]): string {
  return fsPath(base, parts).toString('utf8');
}

function tarName(parts: readonly string[]): string {
  return Buffer.from(parts.join('/'), 'latin1').toString('utf8');
}

async function sortedNames(base: string, parts: readonly string[], optional = false): Promise<string[]> {
  try {
    // byte order, as Go's filepath.Walk sorts
    return (await readdir(fsPath(base, parts), { encoding: 'buffer' })).sort(Buffer.compare).map((b) => b.toString('latin1'));
  } catch (err) {
    if (optional) return [];
    throw fromSystemError(err, displayPath(base, parts));
  }
}

type Stat = BigIntStats;

class DirEmitter {
  /** dev:ino → first tar name, for hard links within the walk. */
  private readonly inodes = new Map<string, string>();
  /** vfs-diff: ancestors whose entry is written only once something below them is. */
  private readonly pendingDirs: { key: string; parts: string[]; st: Stat }[] = [];

  constructor(
    private readonly tar: TarWriter,
    private readonly req: DirTarRequest,
    private readonly xattrs: XattrMap,
    private readonly owners: OwnerNames,
  ) {}

  private async lstatIn(base: string, parts: readonly string[], optional: boolean): Promise<Stat | undefined> {
    try {
      return await lstat(fsPath(base, parts), { bigint: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (optional && (code === 'ENOENT' || code === 'ENOTDIR')) return undefined;
      throw fromSystemError(err, displayPath(base, parts));
    }
  }

  async walk(parts: string[]): Promise<void> {
    if (this.req.signal?.aborted) throw new BalerError('E_CANCELLED', `${this.req.what}: cancelled`);
    const names = await sortedNames(this.req.dir, parts);
    const parent = this.req.mode === 'vfs-diff' ? this.req.parentDir : undefined;
    if (parent !== undefined) {
      // deletions: present in the parent copy, gone here (one whiteout covers a deleted subtree)
      const present = new Set(names);
      for (const gone of await sortedNames(parent, parts, true)) if (!present.has(gone)) await this.emitWhiteout([...parts, `.wh.${gone}`]);
    }
    for (const name of names) {
      const child = [...parts, name];
      const st = (await this.lstatIn(this.req.dir, child, false)) as Stat;
      if (this.req.mode === 'vfs-diff') {
        const old = parent === undefined ? undefined : await this.lstatIn(parent, child, true);
        const changed = old === undefined || differs(old, st);
        if (st.isDirectory()) {
          const key = child.join('/');
          this.pendingDirs.push({ key, parts: child, st });
          if (changed) await this.flushPendingDirs();
          await this.walk(child);
          if (this.pendingDirs[this.pendingDirs.length - 1]?.key === key) this.pendingDirs.pop();
        } else if (changed) {
          await this.flushPendingDirs();
          await this.emit(child, st);
        }
        continue;
      }
      if (this.req.mode === 'overlay-diff' && st.isCharacterDevice() && st.rdev === 0n) {
        await this.emitWhiteout([...parts, `.wh.${name}`]);
        continue;
      }
      await this.emit(child, st);
      if (st.isDirectory()) {
        if (this.req.mode === 'overlay-diff' && this.xattrs.get(child.join('/'))?.[OPAQUE_XATTR] === 'y') await this.emitWhiteout([...child, OPAQUE_MARKER]);
        await this.walk(child);
      }
    }
  }

  private async flushPendingDirs(): Promise<void> {
    for (const d of this.pendingDirs.splice(0)) await this.tar.add(this.header(d.parts, d.st, 'dir'));
  }

  private header(parts: readonly string[], st: Stat, type: TarHeader['type']): TarHeader {
    const name = tarName(parts);
    const h: TarHeader = {
      name: type === 'dir' ? `${name}/` : name,
      type,
      size: 0,
      mode: Number(st.mode & 0o7777n),
      uid: Number(st.uid),
      gid: Number(st.gid),
      mtime: Number(st.mtimeMs / 1000n),
    };
    const uname = this.owners.users.get(h.uid);
    const gname = this.owners.groups.get(h.gid);
    if (uname !== undefined) h.uname = uname;
    if (gname !== undefined) h.gname = gname;
    const cap = this.xattrs.get(parts.join('/'))?.[CAPABILITY_XATTR];
    if (cap !== undefined) h.pax = { [`SCHILY.xattr.${CAPABILITY_XATTR}`]: dockerCapability(cap) };
    return h;
  }

  private async emitWhiteout(parts: string[]): Promise<void> {
    await this.flushPendingDirs();
    await this.tar.add({ name: tarName(parts), type: 'file', size: 0, mode: 0o600, uid: 0, gid: 0, mtime: 0 });
  }

  private async emit(parts: string[], st: Stat): Promise<void> {
    const abs = fsPath(this.req.dir, parts);
    if (st.isDirectory()) return this.tar.add(this.header(parts, st, 'dir'));
    if (st.isSymbolicLink()) {
      const target = await readlink(abs, { encoding: 'buffer' }).catch((err: unknown) => {
        throw fromSystemError(err, displayPath(this.req.dir, parts));
      });
      return this.tar.add({ ...this.header(parts, st, 'symlink'), linkname: target.toString('utf8') });
    }
    if (st.isFIFO()) return this.tar.add(this.header(parts, st, 'fifo'));
    if (st.isCharacterDevice() || st.isBlockDevice()) {
      const rdev = Number(st.rdev);
      const h = this.header(parts, st, st.isCharacterDevice() ? 'char' : 'block');
      // Linux new_encode_dev: major = bits 8..19, minor = bits 0..7 and 20..31
      return this.tar.add({ ...h, devmajor: (rdev >>> 8) & 0xfff, devminor: (rdev & 0xff) | ((rdev >>> 12) & 0xfff00) });
    }
    if (!st.isFile()) return;
    if (st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      const first = this.inodes.get(key);
      if (first !== undefined) return this.tar.add({ ...this.header(parts, st, 'hardlink'), linkname: first });
      this.inodes.set(key, tarName(parts));
    }
    if (this.req.skeleton) return this.tar.add({ ...this.header(parts, st, 'file'), size: Number(st.size) }, zeroStream(Number(st.size)));
    // O_NOFOLLOW: a file swapped for a symlink after the lstat is refused, never followed
    const fh = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: unknown) => {
      throw fromSystemError(err, displayPath(this.req.dir, parts));
    });
    const body = fh.createReadStream({ highWaterMark: 1024 * 1024 });
    return this.tar.add({ ...this.header(parts, st, 'file'), size: Number(st.size) }, body);
  }
}

/** Docker's naive diff test (archive/changes.go): changed metadata; directories ignore size and mtime. */
function differs(a: Stat, b: Stat): boolean {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev) return true;
  if (b.isDirectory()) return false;
  return a.size !== b.size || a.mtimeNs !== b.mtimeNs;
}
