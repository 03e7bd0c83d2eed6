/**
 * A tiny in-memory tar writer and reader, independent of the code under test (src/tar), so hostile and
 * interop tests can build and inspect archives without trusting what they test. Small data only.
 */
export type TinyEntryType = 'file' | 'dir' | 'symlink' | 'hardlink';

export interface TinyEntry {
  name: string;
  type?: TinyEntryType; // default 'file'
  data?: Uint8Array | string;
  linkname?: string;
  mode?: number;
  mtime?: number;
}

const BLOCK = 512;
const TYPEFLAG: Record<TinyEntryType, string> = { file: '0', dir: '5', symlink: '2', hardlink: '1' };

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, typeflag: string, size: number, mode: number, mtime: number, linkname: string): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(typeflag, 156, 'ascii');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

function padded(data: Buffer): Buffer[] {
  const rest = data.length % BLOCK;
  return rest ? [data, Buffer.alloc(BLOCK - rest)] : [data];
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

/** Serialises entries as a POSIX tar (PAX headers for names or links over 100 bytes), ending with two zero blocks. */
export function writeTar(entries: readonly TinyEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const type = e.type ?? 'file';
    const data = type === 'file' ? Buffer.from(e.data ?? '') : Buffer.alloc(0);
    const name = type === 'dir' && !e.name.endsWith('/') ? `${e.name}/` : e.name;
    const linkname = e.linkname ?? '';
    const mode = e.mode ?? (type === 'dir' ? 0o755 : type === 'symlink' ? 0o777 : 0o644);
    const mtime = e.mtime ?? 0;
    if (Buffer.byteLength(name) > 100 || Buffer.byteLength(linkname) > 100) {
      let pax = paxRecord('path', name);
      if (linkname) pax += paxRecord('linkpath', linkname);
      const paxData = Buffer.from(pax, 'utf8');
      parts.push(header('PaxHeader', 'x', paxData.length, 0o644, mtime, ''), ...padded(paxData));
    }
    parts.push(header(name, TYPEFLAG[type], data.length, mode, mtime, linkname), ...padded(data));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

export interface ReadEntry {
  name: string;
  type: TinyEntryType | 'other';
  linkname: string;
  data: Buffer;
}

function cString(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const nul = s.indexOf(0);
  return (nul >= 0 ? s.subarray(0, nul) : s).toString('utf8');
}

/** Parses a whole tar held in memory (ustar + PAX path/linkpath + GNU long names). Throws on a short archive. */
export function readTar(buf: Buffer): ReadEntry[] {
  const out: ReadEntry[] = [];
  let off = 0;
  let pax: Record<string, string> = {};
  let gnuLong: { name?: string; link?: string } = {};
  while (off + BLOCK <= buf.length) {
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) return out;
    const size = parseInt(cString(h, 124, 12).trim() || '0', 8);
    const flag = String.fromCharCode(h[156] ?? 0x30);
    const dataStart = off + BLOCK;
    const data = buf.subarray(dataStart, dataStart + size);
    if (data.length < size) throw new Error(`tar truncated in entry at offset ${off}`);
    off = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'x') {
      pax = {};
      // Record lengths count bytes, so walk the bytes, not the decoded string.
      let i = 0;
      while (i < data.length) {
        const sp = data.indexOf(0x20, i);
        const len = Number(data.subarray(i, sp).toString('ascii'));
        if (sp < 0 || !(len > 0)) break;
        const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
        const eq = rec.indexOf('=');
        pax[rec.slice(0, eq)] = rec.slice(eq + 1);
        i += len;
      }
      continue;
    }
    if (flag === 'g') continue;
    if (flag === 'L' || flag === 'K') {
      gnuLong = { ...gnuLong, [flag === 'L' ? 'name' : 'link']: cString(data, 0, data.length) };
      continue;
    }
    const prefix = h.subarray(257, 262).toString('ascii') === 'ustar' ? cString(h, 345, 155) : '';
    let name = cString(h, 0, 100);
    if (prefix) name = `${prefix}/${name}`;
    name = pax.path ?? gnuLong.name ?? name;
    const linkname = pax.linkpath ?? gnuLong.link ?? cString(h, 157, 100);
    const type: ReadEntry['type'] =
      flag === '0' || flag === '\0' || flag === '7' ? 'file' : flag === '5' ? 'dir' : flag === '2' ? 'symlink' : flag === '1' ? 'hardlink' : 'other';
    out.push({ name, type, linkname, data: Buffer.from(data) });
    pax = {};
    gnuLong = {};
  }
  return out;
}
