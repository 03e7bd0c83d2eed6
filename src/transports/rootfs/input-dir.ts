/**
 * A rootfs directory → a deterministic layer tar: entries sorted byte-wise, parents before
 * children, no root entry, numeric owners, hard links detected by (dev, ino). Symlinks are stored
 * as symlinks and never followed; files are opened with O_NOFOLLOW so nothing outside the directory
 * is ever read, even if the tree changes while baler walks it. Sockets are skipped (tar does too).
 * Names are handled as bytes (readdir/readlink with Buffer encoding), so a name that is not valid
 * UTF-8 reaches the tar unchanged (tar/name-bytes.ts).
 * Extended attributes user.* and security.capability (file capabilities) become PAX SCHILY.xattr.*
 * records, read up front by getfattr (else GNU tar; Node has no xattr API); other namespaces are host
 * specific (SELinux labels, ACLs in system.*, trusted.*) and are left out, as Docker leaves them out.
 */
import { constants, createReadStream, createWriteStream, type Stats } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BalerError, fromSystemError } from '../../errors.js';
import { HashingStream } from '../../io/hashing.js';
import { dockerCapability, readXattrs, type XattrMap } from '../docker-root/layer-xattrs.js';
import type { TarHeader } from '../../tar/header.js';
import { decodeNameBytes } from '../../tar/name-bytes.js';
import { TarWriter } from '../../tar/write.js';
import type { LayerFile } from './input-tar.js';

export function devMajor(rdev: number): number {
  return Number((BigInt(rdev) >> 8n) & 0xfffn) | Number((BigInt(rdev) >> 32n) & ~0xfffn);
}

export function devMinor(rdev: number): number {
  return Number(BigInt(rdev) & 0xffn) | Number((BigInt(rdev) >> 12n) & ~0xffn);
}

const SLASH = Buffer.from('/');

/** A path under the root, as bytes (names need not be UTF-8). */
function childPath(dir: Buffer, name: Buffer): Buffer {
  return Buffer.concat([dir, SLASH, name]);
}

function baseHeader(name: string, st: Stats, pax?: Record<string, string>): Omit<TarHeader, 'type'> {
  const h: Omit<TarHeader, 'type'> = { name, size: 0, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) };
  if (pax) h.pax = pax;
  return h;
}

/** The xattrs a rootfs import keeps (see the file comment). */
const IMPORTED_XATTRS = { regex: '^(user\\..+|security\\.capability)$', globs: ['user.*', 'security.capability'] };

/** An entry's xattrs as PAX records; a namespaced (revision 3) capability is stored as revision 2, as Docker does. */
function xattrRecords(found: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!found) return undefined;
  const pax: Record<string, string> = {};
  for (const [name, value] of Object.entries(found)) pax[`SCHILY.xattr.${name}`] = name === 'security.capability' ? dockerCapability(value) : value;
  return Object.keys(pax).length > 0 ? pax : undefined;
}

export interface DirWalkOptions {
  signal?: AbortSignal;
  warn?: (message: string) => void;
}

/** Tars `root` into `dir/layer.tar`, hashing as it writes. */
export async function layerFromDirectory(root: string, dir: string, o: DirWalkOptions = {}): Promise<LayerFile> {
  const path = join(dir, 'layer.tar');
  const hash = new HashingStream();
  const done = pipeline(hash, createWriteStream(path, { highWaterMark: 1024 * 1024 }), o.signal ? { signal: o.signal } : {});
  const writer = new TarWriter(hash);
  const seenInodes = new Map<string, string>();
  let entries = 0;
  let xattrs: XattrMap = new Map();
  const rootBytes = Buffer.from(root.replace(/\/+$/, '') || '/');

  const addFile = async (abs: Buffer, name: string, st: Stats, pax: Record<string, string> | undefined): Promise<void> => {
    let fh;
    try {
      fh = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      throw fromSystemError(err, abs.toString());
    }
    try {
      const now = await fh.stat();
      if (now.ino !== st.ino || now.dev !== st.dev) throw new BalerError('E_IO', `${abs.toString()}: changed while being read`);
      const body = createReadStream('', { fd: fh.fd, autoClose: false, start: 0, end: Math.max(st.size - 1, 0), highWaterMark: 1024 * 1024 } as Parameters<typeof createReadStream>[1] & { fd: number });
      await writer.add({ ...baseHeader(name, st, pax), type: 'file', size: st.size }, st.size === 0 ? undefined : body);
      if (st.size === 0) body.destroy();
    } finally {
      await fh.close();
    }
  };

  const walk = async (absDir: Buffer, prefix: string): Promise<void> => {
    let names: Buffer[];
    try {
      names = await readdir(absDir, { encoding: 'buffer' });
    } catch (err) {
      throw fromSystemError(err, absDir.toString());
    }
    names.sort(Buffer.compare);
    for (const nb of names) {
      if (o.signal?.aborted) throw new BalerError('E_CANCELLED', `${root}: cancelled`);
      const abs = childPath(absDir, nb);
      const n = decodeNameBytes(nb);
      const name = prefix === '' ? n : `${prefix}/${n}`;
      let st: Stats;
      try {
        st = await lstat(abs);
      } catch (err) {
        throw fromSystemError(err, abs.toString());
      }
      // xattr paths are relative, one latin1 char per name byte (layer-xattrs.ts)
      const pax = xattrRecords(xattrs.get(abs.subarray(rootBytes.length + 1).toString('latin1')));
      if (st.isDirectory()) {
        await writer.add({ ...baseHeader(name, st, pax), type: 'dir' });
        entries++;
        await walk(abs, name);
        continue;
      }
      if (st.isSocket()) {
        o.warn?.(`${abs.toString()}: socket skipped`);
        continue;
      }
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? seenInodes.get(key) : undefined;
      if (first !== undefined) {
        await writer.add({ ...baseHeader(name, st), type: 'hardlink', linkname: first });
        entries++;
        continue;
      }
      if (st.nlink > 1) seenInodes.set(key, name);
      if (st.isFile()) await addFile(abs, name, st, pax);
      else if (st.isSymbolicLink()) {
        let target: string;
        try {
          target = decodeNameBytes(await readlink(abs, { encoding: 'buffer' }));
        } catch (err) {
          throw fromSystemError(err, abs.toString());
        }
        await writer.add({ ...baseHeader(name, st, pax), type: 'symlink', linkname: target });
      } else if (st.isFIFO()) await writer.add({ ...baseHeader(name, st, pax), type: 'fifo' });
      else if (st.isCharacterDevice() || st.isBlockDevice()) {
        await writer.add({ ...baseHeader(name, st, pax), type: st.isCharacterDevice() ? 'char' : 'block', devmajor: devMajor(st.rdev), devminor: devMinor(st.rdev) });
      } else {
        o.warn?.(`${abs.toString()}: unsupported file type skipped`);
        continue;
      }
      entries++;
    }
  };

  try {
    const top = await lstat(root).catch((err: unknown) => {
      throw fromSystemError(err, root);
    });
    if (!top.isDirectory()) throw new BalerError('E_USAGE', `${root}: not a directory`);
    // an unreadable entry fails getfattr too; the walk then names it with the usual error, so that one wins
    const read = await readXattrs(root, IMPORTED_XATTRS, o.signal).catch((err: unknown) => ({ failed: err }));
    if (read && 'attrs' in read) xattrs = read.attrs;
    else if (!read) o.warn?.(`${root}: extended attributes not captured (neither getfattr nor GNU tar is installed)`);
    await walk(rootBytes, '');
    if (read && 'failed' in read) throw read.failed;
    await writer.finish();
    await done;
  } catch (err) {
    hash.destroy(err as Error);
    await done.catch(() => undefined);
    throw err;
  }
  return { path, diffId: hash.digest(), size: hash.bytes, entries, rewritten: false };
}
