import { constants } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { BalerError, fromSystemError } from '../../errors.js';

/**
 * Resolves tar entry names inside one layer directory without ever following a symlink: every parent
 * component must be a real directory (checked once per directory with lstat) and the file itself is
 * opened with O_NOFOLLOW. Names are handled as raw bytes (latin1 strings map bytes 1:1), so entries
 * whose names are not UTF-8 (tar-split `name_raw`) resolve to the same file Docker extracted.
 */
export class LayerDir {
  private readonly rootBytes: Buffer;
  private readonly checkedDirs = new Set<string>();

  constructor(readonly root: string) {
    this.rootBytes = Buffer.from(root, 'utf8');
  }

  /** `a/./b/` → ['a','b']; throws E_PATH_ESCAPE for `..` (never present in names Docker wrote). */
  static components(name: Buffer, what: string): string[] {
    const parts = name.toString('latin1').split('/').filter((p) => p !== '' && p !== '.');
    if (parts.includes('..')) throw new BalerError('E_PATH_ESCAPE', `${what}: entry ${JSON.stringify(name.toString('utf8'))} leaves the layer directory`);
    return parts;
  }

  pathOf(parts: readonly string[]): Buffer {
    if (parts.length === 0) return this.rootBytes;
    return Buffer.concat([this.rootBytes, Buffer.from(`/${parts.join('/')}`, 'latin1')]);
  }

  /** Display form of a path for messages. */
  display(parts: readonly string[]): string {
    return `${this.root}/${Buffer.from(parts.join('/'), 'latin1').toString('utf8')}`;
  }

  /** Ensures every parent of `parts` is a directory, not a symlink; returns a reason when it is not. */
  async checkParents(parts: readonly string[]): Promise<string | undefined> {
    for (let i = 1; i < parts.length; i++) {
      const key = parts.slice(0, i).join('/');
      if (this.checkedDirs.has(key)) continue;
      const p = parts.slice(0, i);
      let isDir: boolean;
      try {
        isDir = (await lstat(this.pathOf(p))).isDirectory();
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return `${this.display(p)} is missing`;
        throw fromSystemError(err, this.display(p));
      }
      if (!isDir) return `${this.display(p)} is not a directory (a symlink is never followed)`;
      this.checkedDirs.add(key);
    }
    return undefined;
  }

  /** Why the regular file at `parts` cannot supply `size` bytes, or undefined when it can. */
  async checkFile(parts: readonly string[], size: number): Promise<string | undefined> {
    const parentProblem = await this.checkParents(parts);
    if (parentProblem) return parentProblem;
    try {
      const st = await lstat(this.pathOf(parts));
      if (!st.isFile()) return `${this.display(parts)} is not a regular file`;
      if (st.size !== size) return `${this.display(parts)} has ${st.size} bytes, the layer records ${size}`;
      return undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return `${this.display(parts)} is missing`;
      throw fromSystemError(err, this.display(parts));
    }
  }

  /**
   * The whole content of a small regular file in one exact-size buffer (one open, fstat, read, close;
   * no stream object), with the same checks as openFile.
   */
  async readWhole(parts: readonly string[], size: number): Promise<Buffer> {
    const fh = await this.openFile(parts, size);
    try {
      const buf = Buffer.allocUnsafe(size);
      for (let at = 0; at < size; ) {
        const { bytesRead } = await fh.read(buf, at, size - at, at);
        if (bytesRead === 0) throw new BalerError('E_IO', `${this.display(parts)}: file shrank while it was read`);
        at += bytesRead;
      }
      return buf;
    } finally {
      await fh.close();
    }
  }

  /** Opens a regular file for reading (O_NOFOLLOW, O_NONBLOCK so a fifo put in its place cannot hang us). */
  async openFile(parts: readonly string[], size: number): Promise<FileHandle> {
    const problem = await this.checkParents(parts);
    if (problem) throw new BalerError('E_IO', problem);
    const what = this.display(parts);
    let fh: FileHandle;
    try {
      fh = await open(this.pathOf(parts), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new BalerError('E_IO', `${what}: is a symlink where the layer has a regular file`);
      throw fromSystemError(err, what);
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new BalerError('E_IO', `${what}: is not a regular file`);
      if (st.size !== size) throw new BalerError('E_IO', `${what}: has ${st.size} bytes, the layer records ${size}`);
    } catch (err) {
      await fh.close();
      throw err;
    }
    return fh;
  }
}
